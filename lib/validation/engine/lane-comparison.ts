import type { RealtimeStrategy } from '@/contracts/transports';
import { REALTIME_STRATEGIES } from '@/contracts/transports';
import type { EvidenceCounts } from '@/lib/validation/engine/analyze';
import { emptyHistogram, histogramPercentile, merge, total } from '@/lib/stats/latency-histogram';

/** The parallel run's lanes side by side: the legacy feed and each Realtime strategy. */
export type LaneName = 'legacy' | RealtimeStrategy;
export const LANE_NAMES: readonly LaneName[] = ['legacy', ...REALTIME_STRATEGIES];

/** One analysed window as stored: one subject's evidence on one Realtime strategy's lane. */
export interface LaneWindow {
  strategy: RealtimeStrategy;
  subject: string;
  trusted: boolean;
  counts: EvidenceCounts;
  latencyLegacy: readonly number[];
  latencyRealtime: readonly number[];
}

/** Session failures and live deliveries counted on one lane. */
export interface LaneErrors {
  lane: LaneName;
  trusted: boolean;
  errors: number;
  deliveries: number;
}

export interface LaneEvidence {
  compared: number;
  discrepancies: number;
  /** % of compared events delivered live with the stored content; null without data. */
  consistency: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  latencySamples: number;
  errors: number;
  deliveries: number;
}

export interface LaneSummary {
  lane: LaneName;
  /** The Realtime strategy being rolled out (what the gates judge); the legacy lane is read beside it. */
  rolledOut: boolean;
  /** The trusted probe (it observes every lane at once), and the browsers on this lane (quarantined users left out). */
  probe: LaneEvidence;
  browsers: LaneEvidence & { users: number };
  /** What one viewer of this lane receives, in Supabase's billed unit. */
  messagesPerViewer: number;
}

const percentile = (histogram: readonly number[], p: number) => (total(histogram) > 0 ? histogramPercentile(histogram, p) : null);

function evidence(windows: LaneWindow[], errors: LaneErrors[], legacy: boolean): LaneEvidence {
  const latency = emptyHistogram();
  let compared = 0;
  let discrepancies = 0;
  for (const w of windows) {
    // The legacy feed is judged on the same events as its lane's candidate: its own faults (lost or altered while Realtime was right) against all it was judged on.
    const legacyFaults = w.counts.missingControl + w.counts.controlMismatch;
    compared += legacy ? Math.max(0, w.counts.compared - w.counts.againstSource) + legacyFaults : w.counts.compared;
    discrepancies += legacy ? legacyFaults : w.counts.discrepancies;
    merge(latency, legacy ? w.latencyLegacy : w.latencyRealtime);
  }
  return {
    compared,
    discrepancies,
    consistency: compared > 0 ? ((compared - discrepancies) / compared) * 100 : null,
    p50Ms: percentile(latency, 50),
    p99Ms: percentile(latency, 99),
    latencySamples: total(latency),
    errors: errors.reduce((sum, e) => sum + e.errors, 0),
    deliveries: errors.reduce((sum, e) => sum + e.deliveries, 0),
  };
}

/**
 * Legacy, postgres_changes and broadcast side by side over the same stretch: consistency
 * against the stored rows, latency p50/p99, errors and messages per viewer, per lane, the
 * probe apart from the browsers. The legacy lane is read beside the strategy being rolled out
 * (the probe's legacy control there), so no event counts twice. Pure.
 */
export function compareLanes(
  windows: LaneWindow[],
  errors: LaneErrors[],
  options: { rolledOut: RealtimeStrategy; quarantined: ReadonlySet<string>; messagesPerViewer: Record<LaneName, number> },
): LaneSummary[] {
  return LANE_NAMES.map((lane) => {
    const strategy = lane === 'legacy' ? options.rolledOut : lane;
    const mine = windows.filter((w) => w.strategy === strategy && (w.trusted || !options.quarantined.has(w.subject)));
    const laneErrors = errors.filter((e) => e.lane === lane);
    const browserWindows = mine.filter((w) => !w.trusted);
    const users = new Set(browserWindows.filter((w) => w.counts.compared > 0).map((w) => w.subject)).size;
    return {
      lane,
      rolledOut: lane === options.rolledOut,
      probe: evidence(mine.filter((w) => w.trusted), laneErrors.filter((e) => e.trusted), lane === 'legacy'),
      browsers: { ...evidence(browserWindows, laneErrors.filter((e) => !e.trusted), lane === 'legacy'), users },
      messagesPerViewer: options.messagesPerViewer[lane],
    };
  });
}
