import { describe, expect, it } from 'vitest';
import { gateWindowStart } from '@/lib/migration/gate-runner';

describe('the gates’ window', () => {
  const at = (iso: string) => ({ stageSince: iso });
  it('starts at the first full analysis window after the stage began, never at the partial one', () => {
    const now = Date.parse('2026-12-01T10:30:00Z');
    expect(new Date(gateWindowStart(at('2026-12-01T10:20:07Z'), now)).toISOString()).toBe('2026-12-01T10:21:00.000Z');
    expect(new Date(gateWindowStart(at('2026-12-01T10:20:00Z'), now)).toISOString()).toBe('2026-12-01T10:20:00.000Z');
    expect(new Date(gateWindowStart(at('2026-12-01T10:20:07Z'), now, 20_000)).toISOString()).toBe('2026-12-01T10:20:20.000Z');
  });

  it('looks back at most an hour on an old stage', () => {
    const now = Date.parse('2026-12-01T10:30:30Z');
    expect(new Date(gateWindowStart(at('2026-11-01T00:00:00Z'), now)).toISOString()).toBe('2026-12-01T09:30:00.000Z');
  });
});
