import { describe, expect, it } from 'vitest';
import { murmur3 } from '@/lib/rollout/murmur3';

describe('murmur3', () => {
  it('matches the reference MurmurHash3_x86_32 vectors', () => {
    // Vectors from the reference implementation (SMHasher) and Unleash's test suite.
    expect(murmur3('', 0)).toBe(0);
    expect(murmur3('', 1)).toBe(0x514e28b7);
    expect(murmur3('', 0xffffffff)).toBe(0x81f16f39);
    expect(murmur3('test', 0)).toBe(0xba6bd213);
    expect(murmur3('Hello, world!', 0)).toBe(0xc0363e43);
    expect(murmur3('The quick brown fox jumps over the lazy dog', 0)).toBe(0x2e4ff723);
    expect(murmur3('aaaa', 0x9747b28c)).toBe(0x5a97808a);
    expect(murmur3('abc', 0)).toBe(0xb3dd93fa);
  });

  it('hashes UTF-8 bytes, not UTF-16 code units', () => {
    expect(murmur3('ü')).not.toBe(murmur3('\u00fc'.normalize('NFD')));
    expect(murmur3('😀')).toBe(murmur3('\u{1F600}'));
  });
});
