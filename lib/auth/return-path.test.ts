import { describe, expect, it } from 'vitest';
import { safeReturnPath } from '@/lib/auth/return-path';

const APP = 'http://127.0.0.1:3000';

describe('safeReturnPath', () => {
  it('keeps paths on the app, with their query and fragment', () => {
    expect(safeReturnPath('/', APP)).toBe('/');
    expect(safeReturnPath('/settings/rollout', APP)).toBe('/settings/rollout');
    expect(safeReturnPath('/validation?since=15m&cohort=shadow#gates', APP)).toBe('/validation?since=15m&cohort=shadow#gates');
    expect(safeReturnPath('/a/./b/../c', APP)).toBe('/a/c');
    expect(safeReturnPath(`${APP}/validation`, APP)).toBe('/validation');
  });

  it.each([
    '/.//evil.example/phish',
    '/..//evil.example',
    '/\\evil.example',
    '//evil.example',
    '/%2F%2Fevil.example',
    '/%5cevil.example',
    'https://evil.example',
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    '/\t/evil.example',
    '\\\\evil.example',
    'http://127.0.0.1:3001/',
    'http://127.0.0.1:3000@evil.example/',
    '',
  ])('sends %j to / instead of off the app', (value) => {
    expect(safeReturnPath(value, APP)).toBe('/');
  });

  it('refuses what is not a string, or is too long', () => {
    expect(safeReturnPath(undefined, APP)).toBe('/');
    expect(safeReturnPath(['/a'], APP)).toBe('/');
    expect(safeReturnPath(`/${'a'.repeat(5_000)}`, APP)).toBe('/');
  });
});
