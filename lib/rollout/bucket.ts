import { murmur3 } from '@/lib/rollout/murmur3';

/** Number of buckets: 0.01 % resolution, as GrowthBook v2 and Statsig use. */
export const BUCKETS = 10_000;

/**
 * The user's bucket in [0, 10 000): a salted hash of `rolloutKey:bucketVersion:userId`.
 * Pure and stable — the same user gets the same bucket until the key or version changes,
 * and bumping `bucketVersion` reshuffles everyone on purpose.
 */
export function bucketOf(rolloutKey: string, bucketVersion: number, userId: string): number {
  return murmur3(`${rolloutKey}:${bucketVersion}:${userId}`) % BUCKETS;
}

/** Buckets below the threshold are in: growing the percentage only ever adds users. */
export function thresholdFor(percentage: number): number {
  return Math.round(Math.min(100, Math.max(0, percentage)) * (BUCKETS / 100));
}
