import { describe, expect, it } from 'vitest';
import { mulberry32 } from './prng.js';
import { createZipf } from './zipf.js';

function shareOfTop(size: number, exponent: number, top: number, draws: number, seed = 7): number {
  const zipf = createZipf(size, exponent);
  const random = mulberry32(seed);
  let inTop = 0;
  for (let i = 0; i < draws; i++) if (zipf.next(random) < top) inTop += 1;
  return inTop / draws;
}

function expectedShare(size: number, exponent: number, top: number): number {
  let head = 0;
  let all = 0;
  for (let k = 1; k <= size; k++) {
    const weight = 1 / k ** exponent;
    all += weight;
    if (k <= top) head += weight;
  }
  return head / all;
}

describe('zipf workload', () => {
  it('gives the top keys the share the exponent predicts', () => {
    for (const exponent of [0.8, 1.0, 1.2]) {
      const measured = shareOfTop(10_000, exponent, 10, 100_000);
      expect(Math.abs(measured - expectedShare(10_000, exponent, 10))).toBeLessThan(0.01);
    }
  });

  it('skews more as the exponent grows, and not at all at exponent 0', () => {
    const flat = shareOfTop(1_000, 0, 10, 50_000);
    const mild = shareOfTop(1_000, 0.8, 10, 50_000);
    const steep = shareOfTop(1_000, 1.3, 10, 50_000);
    expect(Math.abs(flat - 0.01)).toBeLessThan(0.003);
    expect(mild).toBeGreaterThan(flat * 10);
    expect(steep).toBeGreaterThan(mild + 0.2);
  });

  it('draws the most popular key about 2^s times as often as the second', () => {
    const zipf = createZipf(500, 1);
    const random = mulberry32(3);
    const counts = [0, 0];
    for (let i = 0; i < 200_000; i++) {
      const rank = zipf.next(random);
      if (rank < 2) counts[rank] = (counts[rank] ?? 0) + 1;
    }
    expect((counts[0] ?? 0) / (counts[1] ?? 1)).toBeCloseTo(2, 1);
  });

  it('draws only ranks inside the key space and repeats itself under the same seed', () => {
    const zipf = createZipf(50, 1.1);
    const draw = (seed: number) => {
      const random = mulberry32(seed);
      return Array.from({ length: 1_000 }, () => zipf.next(random));
    };
    const first = draw(11);
    expect(first.every((rank) => Number.isInteger(rank) && rank >= 0 && rank < 50)).toBe(true);
    expect(draw(11)).toEqual(first);
    expect(draw(12)).not.toEqual(first);
  });

  it('refuses an empty key space', () => {
    expect(() => createZipf(0, 1)).toThrow(/zipf: size/);
  });
});
