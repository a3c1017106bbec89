import type { EventLevel } from './wire.js';
import type { SecondAggregate } from './second-aggregate.js';

/** When measured numbers become an event. Fractions are per simulated second. */
export interface DetectorThresholds {
  /** Eviction storm: bytes evicted in a second ≥ this fraction of the cache's capacity… */
  stormFractionOfCapacity: number;
  /** …and at least this many evictions. */
  stormMinEvictions: number;
  /** Origin error burst: failed fetches ≥ this fraction of fetches in a second… */
  errorBurstFraction: number;
  /** …and at least this many failures. */
  errorBurstMinErrors: number;
  /** Hit ratio degraded below this fraction of its baseline; recovered at `recoveredAt` of it. */
  degradedBelow: number;
  recoveredAt: number;
  /** Seconds with fewer gets than this say nothing about the hit ratio. */
  minGetsForRatio: number;
  /** A drop counts only when it is also this many standard errors below the baseline (small shards are noisy). */
  degradedSigmas: number;
  /** The baseline (EWMA of healthy seconds) counts only after this many seconds of life. */
  warmupSeconds: number;
  baselineAlpha: number;
}

export const defaultThresholds: DetectorThresholds = {
  stormFractionOfCapacity: 1,
  stormMinEvictions: 10,
  errorBurstFraction: 0.1,
  errorBurstMinErrors: 5,
  degradedBelow: 0.75,
  recoveredAt: 0.95,
  minGetsForRatio: 50,
  degradedSigmas: 4,
  warmupSeconds: 20,
  baselineAlpha: 0.1,
};

export interface DetectedEvent {
  level: EventLevel;
  kind: string;
  message: string;
  attributes: Record<string, unknown>;
}

/** Turns one node's per-second measurements into edge-triggered events (start and end of each condition). */
export type NodeDetector = (second: SecondAggregate) => DetectedEvent[];

export function createNodeDetector(cacheName: string, t: DetectorThresholds): NodeDetector {
  let age = 0;
  let previousKeys = 0;
  let previousBytes = 0;
  let inStorm = false;
  let inBurst = false;
  let baseline: number | null = null;
  let degradedSince: number | null = null;

  return (s) => {
    const events: DetectedEvent[] = [];
    age += 1;
    if (age === 1 || s.flushes > 0) {
      const reason = age === 1 ? 'start' : 'restart';
      events.push({
        level: 'info',
        kind: 'cache.cold_start',
        message: `${cacheName} ${reason === 'start' ? 'started' : 'restarted'} empty (${previousKeys} keys, ${kib(previousBytes)} dropped)`,
        attributes: { reason, dropped_keys: previousKeys, dropped_bytes: previousBytes, keys_now: s.keys },
      });
    }

    const storm = s.evictions >= t.stormMinEvictions && s.evictedBytes >= t.stormFractionOfCapacity * s.capacityBytes;
    if (storm !== inStorm) {
      inStorm = storm;
      const share = s.capacityBytes > 0 ? s.evictedBytes / s.capacityBytes : 0;
      const attributes = { evictions: s.evictions, evicted_bytes: s.evictedBytes, capacity_bytes: s.capacityBytes, share_of_capacity: round(share) };
      events.push(
        storm
          ? { level: 'warn', kind: 'cache.eviction_storm', message: `${cacheName}: ${s.evictions} evictions in 1 s (${kib(s.evictedBytes)}, ${pct(share)} of capacity)`, attributes }
          : { level: 'info', kind: 'cache.eviction_storm.ended', message: `${cacheName}: evictions back to normal (${s.evictions} in 1 s)`, attributes },
      );
    }

    const errorShare = s.originFetches > 0 ? s.originErrors / s.originFetches : 0;
    const burst = s.originErrors >= t.errorBurstMinErrors && errorShare >= t.errorBurstFraction;
    if (burst !== inBurst) {
      inBurst = burst;
      const attributes = { errors: s.originErrors, fetches: s.originFetches, error_share: round(errorShare), max_p99_latency_ms: round(s.maxP99LatencyMs) };
      events.push(
        burst
          ? { level: errorShare >= 0.5 ? 'critical' : 'error', kind: 'origin.error_burst', message: `${cacheName} origin: ${s.originErrors} of ${s.originFetches} fetches failed in 1 s`, attributes }
          : { level: 'info', kind: 'origin.recovered', message: `${cacheName} origin: fetches succeed again (${s.originErrors} of ${s.originFetches} failed in 1 s)`, attributes },
      );
    }

    if (s.gets >= t.minGetsForRatio) {
      const ratio = s.hits / (s.hits + s.misses);
      if (degradedSince === null) {
        const noise = baseline === null ? 0 : t.degradedSigmas * Math.sqrt((baseline * (1 - baseline)) / s.gets);
        if (baseline !== null && age > t.warmupSeconds && ratio < Math.min(t.degradedBelow * baseline, baseline - noise)) {
          degradedSince = age;
          events.push({ level: 'warn', kind: 'cache.hit_ratio.degraded', message: `${cacheName}: hit ratio ${pct(ratio)} against a baseline of ${pct(baseline)}`, attributes: { hit_ratio: round(ratio), baseline: round(baseline) } });
        } else {
          baseline = baseline === null ? ratio : baseline + t.baselineAlpha * (ratio - baseline);
        }
      } else if (baseline !== null && ratio >= t.recoveredAt * baseline) {
        const seconds = age - degradedSince;
        degradedSince = null;
        events.push({ level: 'info', kind: 'cache.hit_ratio.recovered', message: `${cacheName}: hit ratio back to ${pct(ratio)} after ${seconds} s`, attributes: { hit_ratio: round(ratio), baseline: round(baseline), degraded_seconds: seconds } });
      }
    }
    previousKeys = s.keys;
    previousBytes = s.bytes;
    return events;
  };
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;
const pct = (value: number) => `${(value * 100).toFixed(1)} %`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
