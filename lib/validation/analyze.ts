import { percentile } from '@/lib/stats/percentile';
import { upperBound, lowerBound } from '@/lib/validation/bounds';
import { comparePair, compared, countOutOfOrder, discrepancies, type EventComparison, type ObservedSample, type PairCounts } from '@/lib/validation/compare';

export interface LatencyStats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface Analysis {
  /** Legacy (control) vs Realtime (candidate), over observers that ran both. */
  candidate: PairCounts & { compared: number; discrepancies: number };
  /** Legacy vs a second legacy subscription: the feed's own noise. */
  baseline: PairCounts & { compared: number; discrepancies: number };
  outOfOrder: { legacy: number; realtime: number };
  latency: { legacy: LatencyStats; realtime: LatencyStats };
  /** Consistency point estimate (matched / compared) in %, with its n. */
  consistency: number;
  /** Excess discrepancy rate over the baseline, upper 95 % bound, as a fraction. */
  excessUpperBound: number;
  /** 1 − excessUpperBound, in %: what the gate compares with 99.9. */
  consistencyLowerBound: number;
  events: EventComparison[];
}

const latencyOf = (samples: ObservedSample[]): LatencyStats => {
  const values = samples.map((sample) => sample.received_at - sample.emitted_at);
  return { n: values.length, p50: percentile(values, 50), p95: percentile(values, 95), p99: percentile(values, 99) };
};

/**
 * The comparison engine: matched / mismatched / missing / duplicate / out-of-order,
 * latency per transport, and the verdict as excess discrepancy over the noise baseline
 * with a 95 % bound (0 discrepancies in n ⇒ < 3/n). Pure.
 */
export function analyze(samples: ObservedSample[], nowMs: number, graceMs: number): Analysis {
  const legacy = samples.filter((s) => s.transport === 'legacy' && s.lane !== 'baseline');
  const realtime = samples.filter((s) => s.transport === 'realtime');
  const baselineLane = samples.filter((s) => s.transport === 'legacy' && s.lane === 'baseline');
  const observersWithBoth = new Set(realtime.map((s) => s.observer));
  const controlForCandidate = legacy.filter((s) => observersWithBoth.has(s.observer));
  const realtimeWithControl = new Set(controlForCandidate.map((s) => s.observer));
  const candidatePair = comparePair(controlForCandidate, realtime.filter((s) => realtimeWithControl.has(s.observer)), nowMs, graceMs);
  const baselineObservers = new Set(baselineLane.map((s) => s.observer));
  const baselinePair = comparePair(legacy.filter((s) => baselineObservers.has(s.observer)), baselineLane, nowMs, graceMs);

  const nC = compared(candidatePair.counts);
  const dC = discrepancies(candidatePair.counts);
  const nB = compared(baselinePair.counts);
  const dB = discrepancies(baselinePair.counts);
  const baselineFloor = nB > 0 ? lowerBound(dB, nB) : 0;
  const excessUpperBound = nC > 0 ? Math.max(0, upperBound(dC, nC) - baselineFloor) : Number.NaN;
  return {
    candidate: { ...candidatePair.counts, compared: nC, discrepancies: dC },
    baseline: { ...baselinePair.counts, compared: nB, discrepancies: dB },
    outOfOrder: { legacy: countOutOfOrder(legacy), realtime: countOutOfOrder(realtime) },
    latency: { legacy: latencyOf(legacy), realtime: latencyOf(realtime) },
    consistency: nC > 0 ? (candidatePair.counts.matched / nC) * 100 : Number.NaN,
    excessUpperBound,
    consistencyLowerBound: nC > 0 ? (1 - excessUpperBound) * 100 : Number.NaN,
    events: candidatePair.events,
  };
}
