import 'server-only';
import type pg from 'pg';
import { evaluateGates, overall, type GateResult } from '@/lib/migration/gates';
import { loadStageMetrics } from '@/lib/migration/stage-metrics';
import { nextStage, realtimeConnectionShare } from '@/lib/migration/stage-order';
import { loadConfig } from '@/lib/rollout/config-store';
import { emptyHistogram, histogramPercentile, merge } from '@/lib/validation/latency-histogram';
import { parseDuration, type ReportQuery } from '@/lib/validation/report-query';
import type { WindowCounts } from '@/lib/validation/window-analysis';

export interface MinutePoint {
  minute: string;
  compared: number;
  discrepancies: number;
  consistency: number | null;
  legacyP95: number | null;
  realtimeP95: number | null;
}

export interface DiscrepancyRow {
  id: number;
  minute: string;
  kind: string;
  stream: string;
  eventId: string;
  eventSeq: number;
  cohort: string;
  browser: string;
  observer: string;
  ignored: boolean;
  control: unknown;
  candidate: unknown;
  /** The row as stored in Postgres: the truth both transports should have delivered. */
  truth: unknown;
}

export interface ValidationReport {
  generatedAt: string;
  query: ReportQuery;
  stage: string;
  verdict: 'pass' | 'fail' | 'wait';
  gates: GateResult[];
  totals: { compared: number; discrepancies: number; consistency: number | null; baselineCompared: number; baselineDiscrepancies: number; legacyP95Ms: number | null; realtimeP95Ms: number | null; realtimeErrors: number; realtimeDeliveries: number };
  minutes: MinutePoint[];
  discrepancies: DiscrepancyRow[];
}

const finite = (x: number) => (Number.isFinite(x) ? x : null);

/** The validation report for a time window, optionally narrowed to a cohort/browser. */
export async function buildReport(pool: pg.Pool, query: ReportQuery, options: { now?: number; minConsistency?: number } = {}): Promise<ValidationReport> {
  const now = options.now ?? Date.now();
  const sinceMs = now - parseDuration(query.since);
  const filter = { sinceMs, cohorts: query.cohort ? [query.cohort] : undefined, browsers: query.browser ? [query.browser] : undefined };
  const [config, metrics] = await Promise.all([loadConfig(pool), loadStageMetrics(pool, filter)]);
  const gates = evaluateGates(metrics, config.plan, realtimeConnectionShare(nextStage(config.stage) ?? config.stage), options.minConsistency === undefined ? {} : { minConsistency: options.minConsistency });
  const windows = await pool.query<{ minute: Date; counts: WindowCounts; latency_legacy: number[]; latency_realtime: number[] }>(
    `select minute, counts, latency_legacy, latency_realtime from public.validation_windows
      where minute >= date_trunc('minute', to_timestamp($1 / 1000.0)) and ($2::text is null or cohort = $2) and ($3::text is null or browser = $3)
      order by minute`,
    [sinceMs, query.cohort ?? null, query.browser ?? null],
  );
  const byMinute = new Map<string, { compared: number; discrepancies: number; legacy: number[]; realtime: number[] }>();
  for (const row of windows.rows) {
    const key = row.minute.toISOString();
    const point = byMinute.get(key) ?? { compared: 0, discrepancies: 0, legacy: emptyHistogram(), realtime: emptyHistogram() };
    point.compared += row.counts.candidate.compared;
    point.discrepancies += row.counts.candidate.discrepancies;
    merge(point.legacy, row.latency_legacy);
    merge(point.realtime, row.latency_realtime);
    byMinute.set(key, point);
  }
  const minutes = [...byMinute].map(([minute, p]) => ({
    minute,
    compared: p.compared,
    discrepancies: p.discrepancies,
    consistency: p.compared > 0 ? ((p.compared - p.discrepancies) / p.compared) * 100 : null,
    legacyP95: finite(histogramPercentile(p.legacy, 95)),
    realtimeP95: finite(histogramPercentile(p.realtime, 95)),
  }));
  const rows = await pool.query<{ id: number; minute: Date; kind: string; stream: string; event_id: string; event_seq: number; cohort: string; browser: string; observer: string; ignored: boolean; control_payload: unknown; candidate_payload: unknown; truth: unknown }>(
    `select d.id, d.minute, d.kind, d.stream, d.event_id, d.event_seq, d.cohort, d.browser, d.observer, d.ignored_by is not null as ignored,
            d.control_payload, d.candidate_payload,
            coalesce((select to_jsonb(m) from public.cache_metrics m where m.event_id = d.event_id),
                     (select to_jsonb(e) from public.system_events e where e.event_id = d.event_id)) as truth
       from public.validation_discrepancies d
      where d.minute >= date_trunc('minute', to_timestamp($1 / 1000.0)) and ($2::text is null or d.cohort = $2) and ($3::text is null or d.browser = $3)
      order by d.id desc limit 200`,
    [sinceMs, query.cohort ?? null, query.browser ?? null],
  );
  return {
    generatedAt: new Date(now).toISOString(),
    query,
    stage: config.stage,
    verdict: overall(gates),
    gates,
    totals: {
      compared: metrics.compared,
      discrepancies: metrics.discrepancies,
      consistency: metrics.compared > 0 ? ((metrics.compared - metrics.discrepancies) / metrics.compared) * 100 : null,
      baselineCompared: metrics.baselineCompared,
      baselineDiscrepancies: metrics.baselineDiscrepancies,
      legacyP95Ms: finite(metrics.legacyP95Ms),
      realtimeP95Ms: finite(metrics.realtimeP95Ms),
      realtimeErrors: metrics.realtimeErrors,
      realtimeDeliveries: metrics.realtimeDeliveries,
    },
    minutes,
    discrepancies: rows.rows.map((r) => ({
      id: Number(r.id),
      minute: r.minute.toISOString(),
      kind: r.kind,
      stream: r.stream,
      eventId: r.event_id,
      eventSeq: Number(r.event_seq),
      cohort: r.cohort,
      browser: r.browser,
      observer: r.observer,
      ignored: r.ignored,
      control: r.control_payload ?? (r.kind === 'missing_candidate' ? r.truth : null),
      candidate: r.candidate_payload ?? (r.kind === 'missing_control' ? r.truth : null),
      truth: r.truth,
    })),
  };
}

/** CSV of the per-minute series and the discrepancy log (two sections). */
export function reportCsv(report: ValidationReport): string {
  const esc = (value: unknown) => {
    const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
    return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const lines = ['section,minute,compared,discrepancies,consistency_pct,legacy_p95_ms,realtime_p95_ms'];
  for (const m of report.minutes) lines.push(['minute', m.minute, m.compared, m.discrepancies, m.consistency?.toFixed(4), m.legacyP95, m.realtimeP95].map(esc).join(','));
  lines.push('', 'section,id,minute,kind,stream,event_id,event_seq,cohort,browser,ignored,control,candidate');
  for (const d of report.discrepancies) lines.push(['discrepancy', d.id, d.minute, d.kind, d.stream, d.eventId, d.eventSeq, d.cohort, d.browser, d.ignored, d.control, d.candidate].map(esc).join(','));
  return `${lines.join('\n')}\n`;
}
