import type { RealtimeStrategy } from '@/contracts/transports';
import { projectHosted, type ComputeSize, type HostedProjection } from '@/lib/validation/engine/hosted-throughput';
import { HEADROOM_LIMIT, planQuotas, type Plan } from '@/lib/validation/engine/plan-quotas';
import { lowerBound, upperBound } from '@/lib/validation/engine/bounds';
import { emptyHistogram, histogramPercentile, merge, total } from '@/lib/stats/latency-histogram';

export const GATE_THRESHOLDS = {
  minCompared: 3_000,
  minConsistency: 99.9,
  /** A discrepancy rate this far above the noise (point estimate) is a severe breach: roll back to legacy, not one stage. */
  severeConsistency: 99,
  maxRealtimeP95Ms: 100,
  minLatencySamples: 100,
  maxErrorRate: 0.001,
  /** As for consistency: with no errors at all, the rule of three needs 3,000 deliveries to show < 0.1 %. */
  minDeliveries: 3_000,
  /** Browsers vote only with at least this many users (so trimming the two most extreme still leaves several). */
  minBrowserUsers: 4,
  /** A user whose disagreement with the source is this many times the rest's (and ≥ 1 %) is quarantined. */
  quarantineFactor: 10,
  quarantineMinEvidence: 100,
} as const;
type Thresholds = { -readonly [K in keyof typeof GATE_THRESHOLDS]: number };

/** What quarantine looks at: how far a subject's reports stand from the source and from everyone else. */
export interface OutlierBasis {
  compared: number;
  discrepancies: number;
  /** Reports that contradict the source of truth on every lane (never counted as compared). */
  observerDisagrees: number;
  /** Legacy losses and alterations the subject reported while Realtime was right (not held against Realtime). */
  legacyFaults: number;
  realtimeErrors: number;
  realtimeDeliveries: number;
}

/** One subject's evidence over the window: a signed-in user's tabs together, or the probe. */
export interface SubjectEvidence extends OutlierBasis {
  subject: string;
  /** The headless probe (service credentials): the trusted baseline nobody else can impersonate. */
  trusted: boolean;
  baselineCompared: number;
  baselineDiscrepancies: number;
  latencyRealtime: readonly number[];
  latencyLegacy: readonly number[];
  /** For a subject an admin released from quarantine: only its evidence since the release can quarantine it again. */
  sinceRelease?: OutlierBasis;
}

/** What the gates look at, aggregated over the current stage's window. */
export interface StageMetrics {
  subjects: SubjectEvidence[];
  /** Subjects an admin has not released from quarantine yet. */
  quarantined: readonly string[];
  /** Users active in the last 5 minutes, and the event rate fanned out to each. */
  activeUsers: number;
  eventsPerSecond: number;
  /** Database broadcasts per second on the monitoring topics (what each broadcast viewer receives); 0 or absent: none measured. */
  broadcastMessagesPerSecond?: number;
}

export type GateStatus = 'pass' | 'fail' | 'wait' | 'inconclusive';
export type GateName = 'consistency' | 'latency' | 'error-rate' | 'quota-headroom';

/** One evidence lane's judgement: the probe's, or the browsers' after quarantine and trimming. */
export interface LaneJudgement {
  status: GateStatus;
  value: string;
  n: number;
}

export interface BrowserJudgement extends LaneJudgement {
  /** Users whose evidence was pooled. */
  users: number;
  /** Left out so no single user can move the gate: the most extreme on each side. */
  trimmed: string[];
  /** The largest share of the pooled evidence one user holds (0..1). */
  largestShare: number;
}

export interface GateResult {
  gate: GateName;
  status: GateStatus;
  /** Measured value and the threshold, human readable. */
  value: string;
  threshold: string;
  detail: string;
  severe?: boolean;
  /** What the status rests on: the trusted probe, the browsers, or both. */
  evidence?: { probe: LaneJudgement; browsers: BrowserJudgement | null };
  /** quota-headroom only: the hosted projection of each strategy at the next stage (rolled out first). */
  projection?: HostedProjection[];
}

/** What the quota gate projects for: the strategy being rolled out and the hosted project it will run on. */
export interface RolloutTarget {
  strategy: RealtimeStrategy;
  computeSize: ComputeSize;
  /** Rows per Realtime message for the broadcast strategy; absent: the measured broadcast rate (else 1 per row). */
  rowsPerBroadcastMessage?: number;
  /** Fail the gate (not only warn) when the projection breaks the p95 target or a quota. */
  blockOnProjection: boolean;
}

export const DEFAULT_TARGET: RolloutTarget = { strategy: 'postgres_changes', computeSize: 'micro', blockOnProjection: false };

const pct = (x: number, digits = 3) => `${(x * 100).toFixed(digits)} %`;

/**
 * Two-sided decision on a rate k/n against `limit` (after subtracting a noise rate
 * kb/nb): pass when even the upper 95 % bound of the excess is within the limit, fail
 * when even its lower bound is above it, inconclusive in between, wait below `minN`.
 */
export function judgeRate(k: number, n: number, limit: number, minN: number, baseline = { k: 0, n: 0 }): { status: GateStatus; upper: number; point: number } {
  const noiseLow = baseline.n > 0 ? lowerBound(baseline.k, baseline.n) : 0;
  const noiseHigh = baseline.n > 0 ? upperBound(baseline.k, baseline.n) : 0;
  const noise = baseline.n > 0 ? baseline.k / baseline.n : 0;
  if (n <= 0) return { status: 'wait', upper: Number.NaN, point: Number.NaN };
  const upper = Math.max(0, upperBound(k, n) - noiseLow);
  const lower = Math.max(0, lowerBound(k, n) - noiseHigh);
  const point = Math.max(0, k / n - noise);
  const status: GateStatus = n < minN ? 'wait' : upper <= limit ? 'pass' : lower > limit ? 'fail' : 'inconclusive';
  return { status, upper, point };
}

/**
 * Pools the browsers' evidence so no single user can move it: quarantined users out,
 * then the user with the most of `bad` and the one with the most of `size` left out;
 * with fewer than `minBrowserUsers` users, browsers do not vote.
 */
function poolBrowsers(subjects: SubjectEvidence[], bad: (s: SubjectEvidence) => number, size: (s: SubjectEvidence) => number, t: Thresholds) {
  const users = subjects.filter((s) => !s.trusted && size(s) > 0);
  if (users.length < t.minBrowserUsers) return { users: users.length, trimmed: [] as string[], k: 0, n: 0, largestShare: 0, enough: false };
  const worst = [...users].sort((a, b) => bad(b) - bad(a) || bad(b) / size(b) - bad(a) / size(a))[0] as SubjectEvidence;
  const rest = users.filter((s) => s !== worst);
  const biggest = [...rest].sort((a, b) => size(b) - size(a))[0] as SubjectEvidence;
  const pooled = rest.filter((s) => s !== biggest);
  const n = pooled.reduce((sum, s) => sum + size(s), 0);
  return {
    users: pooled.length,
    trimmed: [worst.subject, biggest.subject],
    k: pooled.reduce((sum, s) => sum + bad(s), 0),
    n,
    largestShare: n > 0 ? Math.max(...pooled.map((s) => size(s) / n)) : 0,
    enough: true,
  };
}

/** The gate's status from its two lanes: either failing fails it; a pass needs the probe. */
function combine(probe: GateStatus, browsers: GateStatus | null): GateStatus {
  if (probe === 'fail' || browsers === 'fail') return 'fail';
  if (probe === 'inconclusive' || browsers === 'inconclusive') return 'inconclusive';
  return probe;
}

/**
 * Subjects whose disagreement with the source (or error rate) stands far outside the
 * rest's: listed and excluded from the gates until an admin releases them. The probe is
 * never quarantined.
 */
export function findOutliers(subjects: SubjectEvidence[], overrides: Partial<Thresholds> = {}): Array<{ subject: string; reason: string }> {
  const t: Thresholds = { ...GATE_THRESHOLDS, ...overrides };
  const outliers: Array<{ subject: string; reason: string }> = [];
  // Every disagreement with the stored rows counts here — Realtime's, the legacy feed's, or the report's own.
  const measures: Array<{ name: string; bad: (s: OutlierBasis) => number; size: (s: OutlierBasis) => number }> = [
    { name: 'disagreement with the source', bad: (s) => s.discrepancies + s.observerDisagrees + s.legacyFaults, size: (s) => s.compared + s.observerDisagrees + s.legacyFaults },
    { name: 'error rate', bad: (s) => s.realtimeErrors, size: (s) => s.realtimeDeliveries },
  ];
  for (const subject of subjects) {
    if (subject.trusted) continue;
    const basis = subject.sinceRelease ?? subject;
    for (const measure of measures) {
      const n = measure.size(basis);
      if (n < t.quarantineMinEvidence) continue;
      const others = subjects.filter((s) => s !== subject);
      const restK = others.reduce((sum, s) => sum + measure.bad(s), 0);
      const restN = others.reduce((sum, s) => sum + measure.size(s), 0);
      if (restN < t.quarantineMinEvidence) continue;
      const own = lowerBound(measure.bad(basis), n);
      const rest = upperBound(restK, restN);
      if (own > Math.max(0.01, t.quarantineFactor * rest)) {
        outliers.push({ subject: subject.subject, reason: `${measure.name} ≥ ${pct(own, 1)} (${measure.bad(basis)} of ${n}) against ≤ ${pct(rest, 2)} for everyone else` });
        break;
      }
    }
  }
  return outliers;
}

function consistencyGate(subjects: SubjectEvidence[], t: Thresholds): GateResult {
  const limit = 1 - t.minConsistency / 100;
  const probe = subjects.filter((s) => s.trusted);
  const k = probe.reduce((sum, s) => sum + s.discrepancies, 0);
  const n = probe.reduce((sum, s) => sum + s.compared, 0);
  const baseline = { k: probe.reduce((sum, s) => sum + s.baselineDiscrepancies, 0), n: probe.reduce((sum, s) => sum + s.baselineCompared, 0) };
  const p = judgeRate(k, n, limit, t.minCompared, baseline);
  const b = poolBrowsers(subjects, (s) => s.discrepancies, (s) => s.compared, t);
  const bj = b.enough ? judgeRate(b.k, b.n, limit, t.minCompared) : null;
  const status = combine(p.status, bj?.status ?? null);
  const bound = (upper: number) => (Number.isNaN(upper) ? 'no data' : `≥ ${((1 - upper) * 100).toFixed(3)} %`);
  const severeRate = (100 - t.severeConsistency) / 100;
  return {
    gate: 'consistency',
    status,
    value: n > 0 ? `${bound(p.upper)} (n = ${n})` : 'no data',
    threshold: `≥ ${t.minConsistency} % over ≥ ${t.minCompared} events`,
    detail: `Probe: ${k} discrepancies in ${n} events judged against the stored rows; noise baseline ${baseline.k}/${baseline.n}. Browsers: ${b.enough ? `${b.k} in ${b.n} from ${b.users} users (the two most extreme left out)` : `${b.users} user(s), too few to vote`}.`,
    severe: status === 'fail' && (p.point >= severeRate || (bj !== null && bj.status === 'fail' && bj.point >= severeRate)),
    evidence: {
      probe: { status: p.status, value: n > 0 ? `${bound(p.upper)} (n = ${n})` : 'no data', n },
      browsers: { status: bj?.status ?? 'wait', value: b.enough ? `${bound(bj?.upper ?? Number.NaN)} (n = ${b.n})` : `${b.users} user(s)`, n: b.n, users: b.users, trimmed: b.trimmed, largestShare: b.largestShare },
    },
  };
}

function latencyGate(subjects: SubjectEvidence[], t: Thresholds): GateResult {
  const probe = emptyHistogram();
  const browsers = emptyHistogram();
  for (const s of subjects) merge(s.trusted ? probe : browsers, s.latencyRealtime);
  const n = total(probe);
  const p95 = histogramPercentile(probe, 95);
  const status: GateStatus = n < t.minLatencySamples ? 'wait' : p95 < t.maxRealtimeP95Ms ? 'pass' : 'fail';
  const browserP95 = histogramPercentile(browsers, 95);
  const value = Number.isNaN(p95) ? 'no data' : `p95 ${p95.toFixed(1)} ms (n = ${n})`;
  return {
    gate: 'latency',
    status,
    value,
    threshold: `p95 < ${t.maxRealtimeP95Ms} ms`,
    detail: `Realtime delivery latency, emit → client callback, measured by the probe (a busy browser's event loop inflates both transports alike). Browsers: ${Number.isNaN(browserP95) ? 'no data' : `p95 ${browserP95.toFixed(1)} ms (n = ${total(browsers)}), shown, not gated`}.`,
    evidence: { probe: { status, value, n }, browsers: null },
  };
}

function errorRateGate(subjects: SubjectEvidence[], t: Thresholds): GateResult {
  const probe = subjects.filter((s) => s.trusted);
  const k = probe.reduce((sum, s) => sum + s.realtimeErrors, 0);
  const n = probe.reduce((sum, s) => sum + s.realtimeDeliveries, 0);
  const p = judgeRate(k, n, t.maxErrorRate, t.minDeliveries);
  const b = poolBrowsers(subjects, (s) => s.realtimeErrors, (s) => s.realtimeDeliveries, t);
  const bj = b.enough ? judgeRate(b.k, b.n, t.maxErrorRate, t.minDeliveries) : null;
  const rate = (kk: number, nn: number) => (nn > 0 ? `${pct(kk / nn)} (${kk} / ${nn})` : 'no data');
  return {
    gate: 'error-rate',
    status: combine(p.status, bj?.status ?? null),
    value: rate(k, n),
    threshold: `< ${pct(t.maxErrorRate, 1)}`,
    detail: `Realtime transport errors (channel errors, timeouts, fallbacks) per live delivery. Probe ${rate(k, n)}; browsers ${b.enough ? rate(b.k, b.n) : `${b.users} user(s), too few to vote`}.`,
    evidence: {
      probe: { status: p.status, value: rate(k, n), n },
      browsers: { status: bj?.status ?? 'wait', value: b.enough ? rate(b.k, b.n) : `${b.users} user(s)`, n: b.n, users: b.users, trimmed: b.trimmed, largestShare: b.largestShare },
    },
  };
}

/**
 * Messages per second one viewer receives on a strategy: one per row on postgres_changes;
 * on broadcast the database's messages on the monitoring topics — measured when the triggers
 * run, else `rowsPerBroadcastMessage` if configured, else one per row.
 */
export function messagesPerViewer(metrics: Pick<StageMetrics, 'eventsPerSecond' | 'broadcastMessagesPerSecond'>, strategy: RealtimeStrategy, rowsPerBroadcastMessage?: number): number {
  if (strategy !== 'broadcast') return metrics.eventsPerSecond;
  if (rowsPerBroadcastMessage) return metrics.eventsPerSecond / Math.max(1, rowsPerBroadcastMessage);
  const measured = metrics.broadcastMessagesPerSecond ?? 0;
  return measured > 0 ? measured : metrics.eventsPerSecond;
}

function quotaGate(metrics: StageMetrics, plan: Plan, nextRealtimeShare: number, target: RolloutTarget, t: Thresholds): GateResult {
  const quotas = planQuotas(plan);
  // Shadow and realtime cohorts both hold a Realtime connection with two channels.
  const connections = Math.ceil(metrics.activeUsers * nextRealtimeShare);
  const perViewer = (strategy: RealtimeStrategy) => messagesPerViewer(metrics, strategy, target.rowsPerBroadcastMessage);
  const messagesPerViewerNow = perViewer(target.strategy);
  const projected = {
    connections: connections / quotas.connections,
    messagesPerSecond: (connections * messagesPerViewerNow) / quotas.messagesPerSecond,
    // A full reconnect of every client within a minute, two joins each.
    joinsPerSecond: (connections * 2) / 60 / quotas.joinsPerSecond,
  };
  const worst = Math.max(projected.connections, projected.messagesPerSecond, projected.joinsPerSecond);
  const strategies: RealtimeStrategy[] = [target.strategy, target.strategy === 'broadcast' ? 'postgres_changes' : 'broadcast'];
  const projection = strategies.map((strategy) => projectHosted(strategy, target.computeSize, connections, perViewer(strategy)));
  const rolledOut = projection[0]!;
  const breaksTarget = connections > 0 && (rolledOut.p95Ms === null || rolledOut.p95Ms >= t.maxRealtimeP95Ms);
  const overQuota = worst > HEADROOM_LIMIT;
  const describe = (p: HostedProjection) => `${p.strategy}: ${p.messagesPerViewer.toFixed(1)} msgs/s per viewer, ${Math.round(p.totalMessagesPerSecond)} msgs/s in all, hosted p95 ${p.p95Ms === null ? 'unknown' : `${p.p95Ms} ms`} (${p.basis})`;
  const warning = breaksTarget ? ` WARNING: the hosted projection for ${target.strategy} breaks the ${t.maxRealtimeP95Ms} ms p95 target${target.blockOnProjection ? ' (blocking)' : ''}.` : '';
  return {
    gate: 'quota-headroom',
    status: overQuota || (breaksTarget && target.blockOnProjection) ? 'fail' : 'pass',
    value: `connections ${pct(projected.connections, 0)}, messages/s ${pct(projected.messagesPerSecond, 0)}, joins/s ${pct(projected.joinsPerSecond, 0)} of the ${plan} plan (${target.strategy})`,
    threshold: `≤ ${pct(HEADROOM_LIMIT, 0)} of each quota at the next stage${target.blockOnProjection ? `; hosted p95 < ${t.maxRealtimeP95Ms} ms` : ''}`,
    detail: `${metrics.activeUsers} active users × ${pct(nextRealtimeShare, 0)} on Realtime, ${metrics.eventsPerSecond.toFixed(1)} events/s each. Projection on a ${target.computeSize} project: ${projection.map(describe).join('; ')}.${warning}`,
    projection,
  };
}

/**
 * The gates for moving from the current realtime share to `nextShare` (0..1), on the lane of
 * the strategy being rolled out (`metrics` hold that lane's evidence only: loadStageMetrics with
 * `strategy`; the quota gate projects `target.strategy`): consistency
 * against the stored rows (excess over the noise baseline, two-sided 95 % bounds,
 * n ≥ 3,000), Realtime p95 latency, error rate, and projected quota headroom. Each health
 * gate rests on the trusted probe, with browsers as a second lane that cannot be moved by
 * one user (quarantine, then the most extreme user on each side left out). Too little
 * data ⇒ `wait`, a result inside the bounds ⇒ `inconclusive`; neither is a pass. Pure.
 */
export function evaluateGates(metrics: StageMetrics, plan: Plan, nextRealtimeShare: number, overrides: Partial<Thresholds> = {}, target: RolloutTarget = DEFAULT_TARGET): GateResult[] {
  const t: Thresholds = { ...GATE_THRESHOLDS, ...overrides };
  const excluded = new Set([...metrics.quarantined, ...findOutliers(metrics.subjects, overrides).map((o) => o.subject)]);
  const subjects = metrics.subjects.filter((s) => s.trusted || !excluded.has(s.subject));
  return [consistencyGate(subjects, t), latencyGate(subjects, t), errorRateGate(subjects, t), quotaGate(metrics, plan, nextRealtimeShare, target, t)];
}

/** The one verdict over a set of gate results. */
export const overall = (results: GateResult[]): GateStatus =>
  results.some((r) => r.status === 'fail') ? 'fail' : results.some((r) => r.status === 'inconclusive') ? 'inconclusive' : results.some((r) => r.status === 'wait') ? 'wait' : 'pass';
