import { describe, expect, it } from 'vitest';
import { canonicalJson, fnv1a64 } from '@/lib/validation/engine/digest';

describe('payload digests', () => {
  it('match the published FNV-1a 64 vectors', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });

  it('ignore key order but not values', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 2], c: null } })).toBe(canonicalJson({ a: { c: null, d: [1, 2] }, b: 1 }));
    expect(fnv1a64(canonicalJson({ a: 1 }))).not.toBe(fnv1a64(canonicalJson({ a: 2 })));
  });
});
