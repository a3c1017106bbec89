/** z for a one-sided 95 % bound. */
const Z95 = 1.6448536269514722;

/**
 * Upper 95 % confidence bound of a proportion k/n: the exact "rule of three" (3/n) when
 * k = 0, else the Wilson score bound. NaN when n = 0 (no data is not a pass).
 */
export function upperBound(k: number, n: number): number {
  if (n <= 0) return Number.NaN;
  if (k <= 0) return Math.min(1, 3 / n);
  return wilson(k, n, +1);
}

/** Lower 95 % bound of k/n (0 when k = 0). */
export function lowerBound(k: number, n: number): number {
  if (n <= 0) return Number.NaN;
  if (k <= 0) return 0;
  return wilson(k, n, -1);
}

function wilson(k: number, n: number, sign: 1 | -1): number {
  const p = k / n;
  const z2 = Z95 * Z95;
  const centre = p + z2 / (2 * n);
  const spread = Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.min(1, Math.max(0, (centre + sign * spread) / (1 + z2 / n)));
}
