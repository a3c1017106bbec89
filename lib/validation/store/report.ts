import 'server-only';
import type pg from 'pg';
import { evaluateGates, findOutliers, messagesPerViewer, overall, type GateResult, type GateStatus, type SubjectEvidence } from '@/lib/validation/engine/gates';
import { compareLanes, type LaneSummary } from '@/lib/validation/engine/lane-comparison';
import { loadLaneErrors } from '@/lib/validation/store/lane-errors';
import { stageStrategy } from '@/lib/rollout/strategy';
import type { RealtimeStrategy } from '@/contracts/transports';
import { rolloutTarget } from '@/lib/validation/engine/rollout-target';
import { loadStageMetrics } from '@/lib/validation/store/stage-metrics';
import { nextStage, realtimeConnectionShare } from '@/lib/rollout/stages';
import { loadConfig } from '@/lib/rollout/server/config-store';
import { emptyHistogram, histogramPercentile, merge, total } from '@/lib/stats/latency-histogram';
import { parseDuration, type ReportQuery } from '@/lib/validation/engine/report-query';
import type { WindowCounts } from '@/lib/validation/store/window-analysis';

export interface MinutePoint {
  minute: string;
  /** Probe (trusted) and browsers, each judged against the stored rows. */
  probe: { compared: number; consistency: number | null };
  browsers: { compared: number; consistency: number | null };
  legacyP95: number | null;
  realtimeP95: number | null;
}

export interface DiscrepancyRow {
  id: number;
  minute: string;
  kind: string;
  /** The Realtime strategy's lane it was found on. */
  strategy: RealtimeStrategy;
  stream: string;
  eventId: string;
  eventSeq: number;
  cohort: string;
  browser: string;
  observer: string;
  /** Whose evidence it is: the probe, or a browser (admins see who). */
  trusted: boolean;
  ignored: boolean;
  /** What the observer reported (untrusted; present when it saw the transports disagree). */
  control: unknown;
  candidate: unknown;
  /** The row as stored in Postgres: the truth both transports should have delivered. */
  truth: unknown;
}

/** One subject's share of the evidence, and what the gates did with it (admins only). */
export interface SubjectShare {
  subject: string;
  email: string | null;
  trusted: boolean;
  compared: number;
  discrepancies: number;
  observerDisagrees: number;
  errors: number;
  deliveries: number;
  /** Of all browser evidence (compared events), 0..1. */
  share: number;
  treatment: 'trusted baseline' | 'counted' | 'left out (most extreme)' | 'quarantined';
}

export interface ValidationReport {
  generatedAt: string;
  query: ReportQuery;
  stage: string;
  /** The Realtime strategy the stage rolls out: what the gates, totals and per-minute series judge. */
  strategy: RealtimeStrategy;
  verdict: GateStatus;
  gates: GateResult[];
  /** Legacy, postgres_changes and broadcast side by side over the same window. */
  lanes: LaneSummary[];
  totals: {
    probe: { compared: number; discrepancies: number; consistency: number | null; baselineCompared: number; baselineDiscrepancies: number; realtimeP95Ms: number | null; legacyP95Ms: number | null; errors: number; deliveries: number };
    browsers: { users: number; compared: number; discrepancies: number; consistency: number | null; realtimeP95Ms: number | null; errors: number; deliveries: number };
    /** Deliveries that were recovered (resume replay, history gap fill), counted apart from live ones. */
    recovered: { replay: number; history: number };
    /** Legacy's own faults while Realtime was right, and reports contradicting the source: logged, not held against Realtime. */
    legacyFaults: number;
    observerDisagrees: number;
  };
  minutes: MinutePoint[];
  discrepancies: DiscrepancyRow[];
  /** Present for admins: per-subject influence, quarantine and refused batches. */
  oversight?: {
    subjects: SubjectShare[];
    quarantine: Array<{ subject: string; email: string | null; since: string; reason: string }>;
    rejections: Array<{ subject: string; email: string | null; code: string; count: number; lastAt: string; lastMessage: string }>;
  };
}

const finite = (x: number) => (Number.isFinite(x) ? x : null);
const consistencyOf = (compared: number, discrepancies: number) => (compared > 0 ? ((compared - discrepancies) / compared) * 100 : null);

function sumEvidence(subjects: SubjectEvidence[]) {
  const latency = emptyHistogram();
  const legacy = emptyHistogram();
  const sum = { compared: 0, discrepancies: 0, baselineCompared: 0, baselineDiscrepancies: 0, errors: 0, deliveries: 0 };
  for (const s of subjects) {
    sum.compared += s.compared;
    sum.discrepancies += s.discrepancies;
    sum.baselineCompared += s.baselineCompared;
    sum.baselineDiscrepancies += s.baselineDiscrepancies;
    sum.errors += s.realtimeErrors;
    sum.deliveries += s.realtimeDeliveries;
    merge(latency, s.latencyRealtime);
    merge(legacy, s.latencyLegacy);
  }
  return { ...sum, realtimeP95Ms: total(latency) > 0 ? finite(histogramPercentile(latency, 95)) : null, legacyP95Ms: total(legacy) > 0 ? finite(histogramPercentile(legacy, 95)) : null };
}

/** The validation report for a time window, optionally narrowed to a cohort/browser. */
// eslint-disable-next-line max-lines-per-function -- the report is one read: its queries run in parallel and their rows are shaped in one place.
export async function buildReport(pool: pg.Pool, query: ReportQuery, options: { now?: number; minConsistency?: number; oversight?: boolean } = {}): Promise<ValidationReport> {
  const now = options.now ?? Date.now();
  const sinceMs = now - parseDuration(query.since);
  const filter = { sinceMs: Math.floor(sinceMs / 60_000) * 60_000, cohorts: query.cohort ? [query.cohort] : undefined, browsers: query.browser ? [query.browser] : undefined };
  const config = await loadConfig(pool);
  const strategy = stageStrategy(config);
  const metrics = await loadStageMetrics(pool, { ...filter, strategy });
  const gates = evaluateGates(
    metrics,
    config.plan,
    realtimeConnectionShare(nextStage(config.stage) ?? config.stage),
    options.minConsistency === undefined ? {} : { minConsistency: options.minConsistency },
    rolloutTarget(config),
  );
  const params = [new Date(filter.sinceMs).toISOString(), query.cohort ?? null, query.browser ?? null];
  const [windows, rows, extra, laneErrors] = await Promise.all([
    pool.query<{ minute: Date; strategy: RealtimeStrategy; subject: string; trusted: boolean; counts: WindowCounts; latency_legacy: number[]; latency_realtime: number[] }>(
      `select minute, strategy, subject, trusted, counts, latency_legacy, latency_realtime from public.validation_windows
        where minute >= $1::timestamptz and ($2::text is null or cohort = $2) and ($3::text is null or browser = $3) order by minute`,
      params,
    ),
    pool.query<{ id: number; minute: Date; kind: string; strategy: RealtimeStrategy; stream: string; event_id: string; event_seq: number; cohort: string; browser: string; observer: string; trusted: boolean; ignored: boolean; control_payload: unknown; candidate_payload: unknown; truth: unknown }>(
      `select d.id, d.minute, d.kind, d.strategy, d.stream, d.event_id, d.event_seq, d.cohort, d.browser, d.observer, d.cohort = 'probe' as trusted, d.ignored_by is not null as ignored,
              d.control_payload, d.candidate_payload,
              coalesce((select to_jsonb(m) from public.cache_metrics m where m.event_id = d.event_id),
                       (select to_jsonb(e) from public.system_events e where e.event_id = d.event_id)) as truth
         from (
           -- The probe's rows first and apart, then at most 10 per browser user: no viewer can bury the trusted evidence.
           (select * from public.validation_discrepancies where minute >= $1::timestamptz and cohort = 'probe' and ($2::text is null or cohort = $2) and ($3::text is null or browser = $3) order by id desc limit 100)
           union all
           (select id, detected_at, minute, observer, cohort, browser, kind, stream, event_id, event_seq, control_payload, candidate_payload, ignored_by, subject, strategy
              from (select x.*, row_number() over (partition by x.subject order by x.id desc) as rank from public.validation_discrepancies x
                     where x.minute >= $1::timestamptz and x.cohort <> 'probe' and ($2::text is null or x.cohort = $2) and ($3::text is null or x.browser = $3)) ranked
             where rank <= 10 order by id desc limit 100)
         ) d
        order by (d.cohort = 'probe') desc, d.id desc`,
      params,
    ),
    pool.query<{ replay: number; history: number }>(
      `select coalesce(sum(recovered_replay), 0)::int as replay, coalesce(sum(recovered_history), 0)::int as history from public.validation_errors
        where at >= $1::timestamptz and ($2::text is null or cohort = $2) and ($3::text is null or browser = $3)`,
      params,
    ),
    loadLaneErrors(pool, params),
  ]);
  const lanes = compareLanes(
    windows.rows.map((w) => ({ strategy: w.strategy, subject: w.subject, trusted: w.trusted, counts: w.counts, latencyLegacy: w.latency_legacy, latencyRealtime: w.latency_realtime })),
    laneErrors,
    {
      rolledOut: strategy,
      quarantined: new Set(metrics.quarantined),
      messagesPerViewer: { legacy: metrics.eventsPerSecond, postgres_changes: messagesPerViewer(metrics, 'postgres_changes'), broadcast: messagesPerViewer(metrics, 'broadcast') },
    },
  );
  const byMinute = new Map<string, { probe: [number, number]; browsers: [number, number]; legacy: number[]; realtime: number[] }>();
  let legacyFaults = 0;
  let observerDisagrees = 0;
  // The series and totals are the rolled-out strategy's lane (each lane's own evidence is in `lanes`).
  for (const row of windows.rows.filter((w) => w.strategy === strategy)) {
    const key = row.minute.toISOString();
    const point = byMinute.get(key) ?? { probe: [0, 0], browsers: [0, 0], legacy: emptyHistogram(), realtime: emptyHistogram() };
    const lane = row.trusted ? point.probe : point.browsers;
    lane[0] += row.counts.compared;
    lane[1] += row.counts.discrepancies;
    if (row.trusted) {
      merge(point.legacy, row.latency_legacy);
      merge(point.realtime, row.latency_realtime);
    }
    legacyFaults += row.counts.missingControl + row.counts.controlMismatch;
    observerDisagrees += row.counts.observerDisagrees;
    byMinute.set(key, point);
  }
  const minutes = [...byMinute].map(([minute, p]) => ({
    minute,
    probe: { compared: p.probe[0], consistency: consistencyOf(p.probe[0], p.probe[1]) },
    browsers: { compared: p.browsers[0], consistency: consistencyOf(p.browsers[0], p.browsers[1]) },
    legacyP95: finite(histogramPercentile(p.legacy, 95)),
    realtimeP95: finite(histogramPercentile(p.realtime, 95)),
  }));
  const probe = sumEvidence(metrics.subjects.filter((s) => s.trusted));
  const browserSubjects = metrics.subjects.filter((s) => !s.trusted && !metrics.quarantined.includes(s.subject));
  const browsers = sumEvidence(browserSubjects);
  return {
    generatedAt: new Date(now).toISOString(),
    query,
    stage: config.stage,
    strategy,
    verdict: overall(gates),
    gates,
    lanes,
    totals: {
      probe: { ...probe, consistency: consistencyOf(probe.compared, probe.discrepancies) },
      browsers: { users: browserSubjects.length, compared: browsers.compared, discrepancies: browsers.discrepancies, consistency: consistencyOf(browsers.compared, browsers.discrepancies), realtimeP95Ms: browsers.realtimeP95Ms, errors: browsers.errors, deliveries: browsers.deliveries },
      recovered: extra.rows[0] ?? { replay: 0, history: 0 },
      legacyFaults,
      observerDisagrees,
    },
    minutes,
    discrepancies: rows.rows.map((r) => ({
      id: Number(r.id),
      minute: r.minute.toISOString(),
      kind: r.kind,
      strategy: r.strategy,
      stream: r.stream,
      eventId: r.event_id,
      eventSeq: Number(r.event_seq),
      cohort: r.cohort,
      browser: r.browser,
      observer: options.oversight ? r.observer : r.trusted ? r.observer : 'a browser tab',
      trusted: r.trusted,
      ignored: r.ignored,
      control: r.control_payload,
      candidate: r.candidate_payload,
      truth: r.truth,
    })),
    ...(options.oversight ? { oversight: await loadOversight(pool, metrics.subjects, metrics.quarantined, gates) } : {}),
  };
}

async function loadOversight(pool: pg.Pool, subjects: SubjectEvidence[], quarantined: readonly string[], gates: GateResult[]): Promise<NonNullable<ValidationReport['oversight']>> {
  const [quarantine, rejections, emails] = await Promise.all([
    pool.query<{ subject: string; since: Date; reason: string }>('select subject, since, reason from public.validation_quarantine where released_at is null order by since desc'),
    pool.query<{ subject: string; code: string; count: number; last_at: Date; last_message: string }>('select subject, code, count, last_at, last_message from public.validation_rejections order by last_at desc limit 50'),
    pool.query<{ id: string; email: string | null }>('select id::text, email from auth.users'),
  ]);
  const emailOf = new Map(emails.rows.map((row) => [row.id, row.email]));
  const trimmed = new Set(gates.flatMap((gate) => gate.evidence?.browsers?.trimmed ?? []));
  const outliers = new Set([...quarantined, ...findOutliers(subjects).map((o) => o.subject)]);
  const browserCompared = subjects.filter((s) => !s.trusted).reduce((sum, s) => sum + s.compared, 0);
  return {
    subjects: subjects
      .map((s) => ({
        subject: s.subject,
        email: s.trusted ? null : (emailOf.get(s.subject) ?? null),
        trusted: s.trusted,
        compared: s.compared,
        discrepancies: s.discrepancies,
        observerDisagrees: s.observerDisagrees,
        errors: s.realtimeErrors,
        deliveries: s.realtimeDeliveries,
        share: s.trusted || browserCompared === 0 ? 0 : s.compared / browserCompared,
        treatment: s.trusted ? ('trusted baseline' as const) : outliers.has(s.subject) ? ('quarantined' as const) : trimmed.has(s.subject) ? ('left out (most extreme)' as const) : ('counted' as const),
      }))
      .sort((a, b) => Number(b.trusted) - Number(a.trusted) || b.compared - a.compared)
      .slice(0, 50),
    quarantine: quarantine.rows.map((row) => ({ subject: row.subject, email: emailOf.get(row.subject) ?? null, since: row.since.toISOString(), reason: row.reason })),
    rejections: rejections.rows.map((row) => ({ subject: row.subject, email: emailOf.get(row.subject) ?? null, code: row.code, count: row.count, lastAt: row.last_at.toISOString(), lastMessage: row.last_message })),
  };
}
