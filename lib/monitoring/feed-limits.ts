/** Sizes and rates of the feed controller (all bounded: memory does not grow with uptime). */
export interface FeedLimits {
  /** Events kept per stream for rendering. */
  perStream: number;
  /** How long a hole in the id sequence may stay open before a gap fill. */
  reorderWindowMs: number;
  /** Events held behind a hole before they are released anyway. */
  maxHeld: number;
  /** event_ids remembered per stream for dedupe. */
  dedupeSize: number;
  /** A stream quiet this long asks history for rows lost at its tail (Infinity: never). */
  tailCheckMs: number;
  /** Budget from connect to a confirmed subscription. */
  liveTimeoutMs: number;
  /** UI publication interval while the tab is visible (~10/s) and hidden (≤4/s). */
  visibleIntervalMs: number;
  hiddenIntervalMs: number;
}

export const DEFAULT_FEED_LIMITS: FeedLimits = {
  perStream: 1_000,
  reorderWindowMs: 250,
  maxHeld: 2_000,
  dedupeSize: 20_000,
  tailCheckMs: 15_000,
  liveTimeoutMs: 5_000,
  visibleIntervalMs: 100,
  hiddenIntervalMs: 250,
};
