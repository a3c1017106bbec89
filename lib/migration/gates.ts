import { lowerBound, upperBound } from '@/lib/validation/bounds';
import { HEADROOM_LIMIT, PLAN_QUOTAS, type Plan } from '@/lib/migration/plan-quotas';

export const GATE_THRESHOLDS = {
  minCompared: 3_000,
  minConsistency: 99.9,
  /** A consistency bound below this is a severe breach: roll back to legacy, not one stage. */
  severeConsistency: 99,
  maxRealtimeP95Ms: 100,
  minLatencySamples: 100,
  maxErrorRate: 0.001,
  minDeliveries: 1_000,
} as const;

/** What the gates look at, aggregated over the current stage's window. */
export interface StageMetrics {
  compared: number;
  discrepancies: number;
  baselineCompared: number;
  baselineDiscrepancies: number;
  realtimeP95Ms: number;
  realtimeLatencySamples: number;
  /** Whose receive times the latency gate uses: the probe's when it has enough, else every observer's. */
  realtimeLatencySource?: 'probe' | 'all observers';
  realtimeErrors: number;
  realtimeDeliveries: number;
  /** Users active in the last 5 minutes, and the event rate fanned out to each. */
  activeUsers: number;
  eventsPerSecond: number;
}

export type GateStatus = 'pass' | 'fail' | 'wait';

export interface GateResult {
  gate: 'consistency' | 'latency' | 'error-rate' | 'quota-headroom';
  status: GateStatus;
  /** Measured value and the threshold, human readable. */
  value: string;
  threshold: string;
  detail: string;
  severe?: boolean;
}

const pct = (x: number, digits = 3) => `${(x * 100).toFixed(digits)} %`;

/**
 * The gates for moving from the current realtime share to `nextShare` (0..1): consistency
 * (excess over the noise baseline, 95 % bound, n ≥ 3,000), Realtime p95 latency, error
 * rate, and projected quota headroom. Too little data ⇒ `wait`, never `pass`. Pure.
 */
export function evaluateGates(metrics: StageMetrics, plan: Plan, nextRealtimeShare: number, overrides: Partial<Record<keyof typeof GATE_THRESHOLDS, number>> = {}): GateResult[] {
  const t = { ...GATE_THRESHOLDS, ...overrides };
  const results: GateResult[] = [];

  const baselineFloor = metrics.baselineCompared > 0 ? lowerBound(metrics.baselineDiscrepancies, metrics.baselineCompared) : 0;
  const excess = metrics.compared > 0 ? Math.max(0, upperBound(metrics.discrepancies, metrics.compared) - baselineFloor) : Number.NaN;
  const consistencyBound = (1 - excess) * 100;
  results.push({
    gate: 'consistency',
    status: metrics.compared < t.minCompared ? 'wait' : consistencyBound >= t.minConsistency ? 'pass' : 'fail',
    value: metrics.compared > 0 ? `≥ ${consistencyBound.toFixed(3)} % (n = ${metrics.compared})` : 'no data',
    threshold: `≥ ${t.minConsistency} % over ≥ ${t.minCompared} events`,
    detail: `${metrics.discrepancies} discrepancies in ${metrics.compared} compared events; noise baseline ${metrics.baselineDiscrepancies}/${metrics.baselineCompared}; 95 % bound on the excess ${Number.isNaN(excess) ? '–' : pct(excess)}`,
    severe: metrics.compared >= t.minCompared && consistencyBound < t.severeConsistency,
  });

  results.push({
    gate: 'latency',
    status: metrics.realtimeLatencySamples < t.minLatencySamples ? 'wait' : metrics.realtimeP95Ms < t.maxRealtimeP95Ms ? 'pass' : 'fail',
    value: Number.isNaN(metrics.realtimeP95Ms) ? 'no data' : `p95 ${metrics.realtimeP95Ms.toFixed(1)} ms (n = ${metrics.realtimeLatencySamples})`,
    threshold: `p95 < ${t.maxRealtimeP95Ms} ms`,
    detail: `Realtime delivery latency, server emit → client callback (clock-offset corrected), measured by ${metrics.realtimeLatencySource ?? 'all observers'}.`,
  });

  const errorRate = metrics.realtimeDeliveries > 0 ? metrics.realtimeErrors / metrics.realtimeDeliveries : Number.NaN;
  results.push({
    gate: 'error-rate',
    status: metrics.realtimeDeliveries < t.minDeliveries ? 'wait' : errorRate < t.maxErrorRate ? 'pass' : 'fail',
    value: Number.isNaN(errorRate) ? 'no data' : `${pct(errorRate)} (${metrics.realtimeErrors} / ${metrics.realtimeDeliveries})`,
    threshold: `< ${pct(t.maxErrorRate, 1)}`,
    detail: 'Realtime transport errors (channel errors, timeouts, fallbacks) per delivered event.',
  });

  const quotas = PLAN_QUOTAS[plan];
  // Shadow and realtime cohorts both hold a Realtime connection with two channels.
  const connections = Math.ceil(metrics.activeUsers * nextRealtimeShare);
  const projected = {
    connections: connections / quotas.connections,
    messagesPerSecond: (connections * metrics.eventsPerSecond) / quotas.messagesPerSecond,
    // A full reconnect of every client within a minute, two joins each.
    joinsPerSecond: (connections * 2) / 60 / quotas.joinsPerSecond,
  };
  const worst = Math.max(projected.connections, projected.messagesPerSecond, projected.joinsPerSecond);
  results.push({
    gate: 'quota-headroom',
    status: worst <= HEADROOM_LIMIT ? 'pass' : 'fail',
    value: `connections ${pct(projected.connections, 0)}, messages/s ${pct(projected.messagesPerSecond, 0)}, joins/s ${pct(projected.joinsPerSecond, 0)} of the ${plan} plan`,
    threshold: `≤ ${pct(HEADROOM_LIMIT, 0)} of each quota at the next stage`,
    detail: `${metrics.activeUsers} active users × ${pct(nextRealtimeShare, 0)} on Realtime, ${metrics.eventsPerSecond.toFixed(1)} events/s each.`,
  });
  return results;
}

export const overall = (results: GateResult[]): GateStatus =>
  results.some((r) => r.status === 'fail') ? 'fail' : results.some((r) => r.status === 'wait') ? 'wait' : 'pass';
