import 'server-only';
import type pg from 'pg';
import { analyzeObserverLanes, mergeSubject, type CoverageInterval, type EvidenceCounts, type ObserverEvidence, type ObserverInfo } from '@/lib/validation/engine/analyze';
import type { ObservedSample } from '@/lib/validation/engine/compare';
import { legacyPublishingBetween } from '@/lib/validation/store/legacy-timeline';
import { loadSourceEvents } from '@/lib/validation/store/source-events';
import { DEFAULT_WINDOW_MS, windowStartOf } from '@/lib/validation/engine/window';

/** How long after an event's emission a live lane may still deliver it before it counts as missing. */
export const GRACE_MS = 10_000;
/** Coverage starts this long after a lane's first live delivery (clock offset and commit order). */
export const SETTLE_MS = 2_000;
/** Samples reach the API in batches every few seconds: wait this long past the grace. */
export const REPORT_MS = 5_000;

/** A window's stored counts: one subject (a user, or the probe) in one cohort × browser × Realtime strategy × minute. */
export type WindowCounts = EvidenceCounts;

interface SampleRow {
  observer: string;
  cohort: string;
  browser: string;
  event_id: string;
  event_seq: number;
  stream: 'cache_metrics' | 'system_events';
  transport: 'legacy' | 'realtime';
  lane: ObservedSample['lane'];
  strategy: ObservedSample['strategy'] | null;
  emitted_ms: number;
  received_ms: number;
  digest: string;
  seq: number;
}

/**
 * Analyses every closed window (by event emission time; a minute by default) not analysed
 * yet: the stored rows of the window against every observer that was live in it, one row
 * per subject × cohort × browser, plus the discrepancy log. Idempotent (upserts), and safe
 * to run from several processes (advisory lock).
 */
export async function analyzeClosedMinutes(pool: pg.Pool, options: { now?: number; maxMinutes?: number; windowMs?: number } = {}): Promise<{ minutes: number }> {
  const now = options.now ?? Date.now();
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  const client = await pool.connect();
  try {
    const lock = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1)) as locked', ['switchyard:validation-windows']);
    if (!lock.rows[0]?.locked) return { minutes: 0 };
    try {
      let minutes = 0;
      let start = await nextMinute(client, now, windowMs);
      while (start !== null && minutes < (options.maxMinutes ?? 30)) {
        await analyzeMinute(client, start, windowMs);
        await client.query(
          'insert into public.validation_progress (id, analyzed_until) values (1, to_timestamp($1 / 1000.0)) on conflict (id) do update set analyzed_until = excluded.analyzed_until',
          [start + windowMs],
        );
        minutes += 1;
        start = await nextMinute(client, now, windowMs);
      }
      return { minutes };
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', ['switchyard:validation-windows']);
    }
  } finally {
    client.release();
  }
}

/** The next closed window to analyse: the first one at or after the progress mark that some observer covered (empty windows are skipped). */
async function nextMinute(client: pg.PoolClient, now: number, windowMs: number): Promise<number | null> {
  const progress = await client.query<{ until: number }>('select (extract(epoch from analyzed_until) * 1000)::bigint as until from public.validation_progress where id = 1');
  const until = progress.rows[0]?.until;
  const floor = until !== undefined ? Number(until) : now - 24 * 3600_000;
  // `until_ms` (an interval's reach, kept by the samples API) is indexed: only intervals still reaching the mark are read.
  const first = await client.query<{ min: number | null }>('select greatest($1::bigint, min(from_ms)) as min from public.validation_coverage where until_ms >= $1', [floor]);
  const min = first.rows[0]?.min;
  if (min === null || min === undefined) return null;
  const start = windowStartOf(Number(min), windowMs);
  return start + windowMs + GRACE_MS + REPORT_MS <= now ? start : null;
}

async function loadObservers(client: pg.PoolClient, start: number, end: number): Promise<ObserverInfo[]> {
  const { rows } = await client.query<{ observer: string; subject: string; trusted: boolean; cohort: string; browser: string; seen_through_ms: string; coverage: CoverageInterval[] }>(
    `select o.observer, o.subject, o.trusted, o.cohort, o.browser, o.seen_through_ms,
            json_agg(json_build_object('transport', c.transport, 'lane', c.lane, 'strategy', nullif(c.strategy, 'none'), 'fromMs', c.from_ms, 'toMs', c.to_ms)) as coverage
       from public.validation_coverage c join public.validation_observers o using (observer)
      where c.until_ms >= $1 and c.from_ms < $2
      group by o.observer`,
    [start, end],
  );
  return rows.map((row) => ({
    observer: row.observer,
    subject: row.subject,
    trusted: row.trusted,
    cohort: row.cohort,
    browser: row.browser,
    seenThroughMs: Number(row.seen_through_ms),
    coverage: row.coverage.map(({ strategy, ...c }) => ({ ...c, ...(strategy ? { strategy } : {}), fromMs: Number(c.fromMs), toMs: c.toMs === null ? null : Number(c.toMs) })),
  }));
}

async function loadSamples(client: pg.PoolClient, start: number, end: number): Promise<Map<string, ObservedSample[]>> {
  // Payloads are only for the discrepancy log: loaded for flagged events alone (see storeDiscrepancies).
  const { rows } = await client.query<SampleRow>(
    `select observer, cohort, browser, event_id, event_seq::float8 as event_seq, stream, transport, lane, strategy,
            emitted_ms::float8 as emitted_ms, received_ms::float8 as received_ms, digest, seq
       from public.validation_samples where emitted_ms >= $1 and emitted_ms < $2`,
    [start, end],
  );
  const samplesOf = new Map<string, ObservedSample[]>();
  for (const row of rows) {
    const list = samplesOf.get(row.observer) ?? [];
    list.push({
      observer: row.observer,
      cohort: row.cohort,
      browser: row.browser,
      event_id: row.event_id,
      id: row.event_seq,
      stream: row.stream,
      transport: row.transport,
      lane: row.lane,
      ...(row.strategy ? { strategy: row.strategy } : {}),
      emitted_at: row.emitted_ms,
      received_at: row.received_ms,
      digest: row.digest,
      seq: row.seq,
    });
    samplesOf.set(row.observer, list);
  }
  return samplesOf;
}

async function analyzeMinute(client: pg.PoolClient, start: number, windowMs: number): Promise<void> {
  const end = start + windowMs;
  const [observers, sources, legacyPublishing, rules, samplesOf] = await Promise.all([
    loadObservers(client, start, end),
    loadSourceEvents(client, start, end),
    legacyPublishingBetween(client, start, end),
    client.query<{ id: number; kind: string; stream: string | null }>('select id, kind, stream from public.validation_ignore_rules where active'),
    loadSamples(client, start, end),
  ]);
  const ignoredBy = (kind: string, stream: string) => rules.rows.find((rule) => rule.kind === kind && (rule.stream === null || rule.stream === stream))?.id ?? null;
  const options = { graceMs: GRACE_MS, settleMs: SETTLE_MS, legacyPublishing, ignoredBy };
  // Per subject, across all of its observers (a user's tabs count once per event, whatever their browser), per Realtime strategy.
  const bySubject = new Map<string, ObserverEvidence[]>();
  for (const info of observers) {
    const key = JSON.stringify([info.subject, info.trusted]);
    bySubject.set(key, [...(bySubject.get(key) ?? []), ...analyzeObserverLanes(info, samplesOf.get(info.observer) ?? [], sources, options)]);
  }
  const minute = new Date(start).toISOString();
  await client.query('begin');
  try {
    for (const [key, evidence] of bySubject) {
      const [subject, trusted] = JSON.parse(key) as [string, boolean];
      for (const slice of mergeSubject(evidence)) {
        await client.query(
          `insert into public.validation_windows (minute, cohort, browser, subject, trusted, counts, latency_legacy, latency_realtime, strategy)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           on conflict (minute, cohort, browser, subject, strategy) do update set trusted = excluded.trusted, counts = excluded.counts,
             latency_legacy = excluded.latency_legacy, latency_realtime = excluded.latency_realtime, analyzed_at = now()`,
          [minute, slice.cohort, slice.browser, subject, trusted, slice.counts, slice.latency.legacy, slice.latency.realtime, slice.strategy],
        );
      }
      await storeDiscrepancies(client, minute, start, end, evidence);
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
}

/** The discrepancy log for one subject's observers: one statement, payloads read only for the flagged events. */
async function storeDiscrepancies(client: pg.PoolClient, minute: string, start: number, end: number, evidence: ObserverEvidence[]): Promise<void> {
  const items = evidence.flatMap((e) => e.flagged.map((item) => ({ ...item, cohort: e.info.cohort, browser: e.info.browser, strategy: e.strategy })));
  if (items.length === 0) return;
  const payloads = await client.query<{ observer: string; event_id: string; transport: string; strategy: string; payload: unknown; peer_payload: unknown }>(
    `select observer, event_id, transport, coalesce(strategy, 'postgres_changes') as strategy, payload, peer_payload from public.validation_samples
      where emitted_ms >= $1 and emitted_ms < $2 and observer = any($3) and event_id = any($4::uuid[]) and (payload is not null or peer_payload is not null)`,
    [start, end, [...new Set(items.map((i) => i.observer))], [...new Set(items.map((i) => i.event.eventId))]],
  );
  const payloadOf = (observer: string, eventId: string, transport: string, strategy?: string) =>
    payloads.rows.find((p) => p.observer === observer && p.event_id === eventId && p.transport === transport && (strategy === undefined || p.strategy === strategy));
  const rows = items.map((item) => {
    const control = payloadOf(item.observer, item.event.eventId, 'legacy');
    const candidate = payloadOf(item.observer, item.event.eventId, 'realtime', item.strategy);
    return [item.observer, item.subject, item.cohort, item.browser, item.kind, item.event.stream, item.event.eventId, item.event.id, control?.payload ?? candidate?.peer_payload ?? null, candidate?.payload ?? control?.peer_payload ?? null, item.ignoredBy, item.strategy] as const;
  });
  const column = (i: number) => rows.map((row) => row[i]);
  await client.query(
    `insert into public.validation_discrepancies (minute, observer, subject, cohort, browser, kind, stream, event_id, event_seq, control_payload, candidate_payload, ignored_by, strategy)
     select $1, * from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[], $9::bigint[], $10::jsonb[], $11::jsonb[], $12::bigint[], $13::text[])
     on conflict (observer, event_id, kind, strategy) do nothing`,
    [minute, column(0), column(1), column(2), column(3), column(4), column(5), column(6), column(7), column(8).map((p) => (p === null ? null : JSON.stringify(p))), column(9).map((p) => (p === null ? null : JSON.stringify(p))), column(10), column(11)],
  );
}
