/**
 * The one backoff of every retrying loop (transports, gap fill, the legacy publisher, the
 * simulator): an exponential ceiling with full jitter — the delay is uniform in
 * [0, min(cap, base · 2^(attempt − 1))), at least `minMs`. Full jitter spreads a fleet of
 * clients that failed together (a server restart) instead of bringing them back in waves.
 */
export interface Backoff {
  /** Ceiling of the first retry's delay; doubles per consecutive failure. */
  baseMs: number;
  /** Largest ceiling. */
  capMs: number;
  /** Smallest delay, so a refused call never spins. */
  minMs?: number;
}

/** The delay before the `attempt`-th consecutive retry (1-based). */
export function backoffDelay(backoff: Backoff, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.min(Math.max(0, attempt - 1), 30));
  return Math.max(backoff.minMs ?? 0, Math.floor(random() * ceiling));
}
