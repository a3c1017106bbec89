import 'server-only';
import type pg from 'pg';
import { analyze } from '@/lib/validation/analyze';
import type { EventComparison, ObservedSample } from '@/lib/validation/compare';
import { emptyHistogram, record } from '@/lib/validation/latency-histogram';

const MINUTE_MS = 60_000;
/** How long after an event's emission a delivery may still arrive before it counts as missing. */
export const GRACE_MS = 10_000;
/** Samples reach the API in batches every few seconds: wait this long past the grace. */
const SETTLE_MS = 5_000;

export interface WindowCounts {
  candidate: { matched: number; mismatch: number; missingCandidate: number; missingControl: number; duplicatesCandidate: number; duplicatesControl: number; compared: number; discrepancies: number };
  baseline: { compared: number; discrepancies: number };
  outOfOrder: { legacy: number; realtime: number };
  ignored: number;
}

interface SampleRow {
  observer: string;
  cohort: string;
  browser: string;
  event_id: string;
  event_seq: number;
  stream: 'cache_metrics' | 'system_events';
  transport: 'legacy' | 'realtime';
  lane: 'primary' | 'shadow' | 'baseline';
  emitted_ms: number;
  received_ms: number;
  digest: string;
  seq: number;
  payload: Record<string, unknown> | null;
  peer_payload: Record<string, unknown> | null;
}

/**
 * Analyses every closed minute (by event emission time) not analysed yet: one window per
 * cohort × browser, plus the discrepancy log. Idempotent (upserts), and safe to run
 * from several processes (advisory lock).
 */
export async function analyzeClosedMinutes(pool: pg.Pool, options: { now?: number; maxMinutes?: number } = {}): Promise<{ minutes: number }> {
  const now = options.now ?? Date.now();
  const client = await pool.connect();
  try {
    const lock = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1)) as locked', ['switchyard:validation-windows']);
    if (!lock.rows[0]?.locked) return { minutes: 0 };
    try {
      let minutes = 0;
      let start = await nextMinute(client, now);
      while (start !== null && start + MINUTE_MS + GRACE_MS + SETTLE_MS <= now && minutes < (options.maxMinutes ?? 30)) {
        await analyzeMinute(client, start);
        await client.query(
          'insert into public.validation_progress (id, analyzed_until) values (1, to_timestamp($1 / 1000.0)) on conflict (id) do update set analyzed_until = excluded.analyzed_until',
          [start + MINUTE_MS],
        );
        minutes += 1;
        start = await nextMinute(client, now);
      }
      return { minutes };
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', ['switchyard:validation-windows']);
    }
  } finally {
    client.release();
  }
}

/** The next minute to analyse: the first one at or after the progress mark that has samples (empty minutes are skipped). */
async function nextMinute(client: pg.PoolClient, now: number): Promise<number | null> {
  const progress = await client.query<{ until: number }>('select (extract(epoch from analyzed_until) * 1000)::bigint as until from public.validation_progress where id = 1');
  const until = progress.rows[0]?.until;
  const floor = until !== undefined ? Number(until) : now - 24 * 3600_000;
  const first = await client.query<{ min: number | null }>('select min(emitted_ms) as min from public.validation_samples where emitted_ms >= $1', [floor]);
  const min = first.rows[0]?.min;
  return min === null || min === undefined ? null : Math.floor(Number(min) / MINUTE_MS) * MINUTE_MS;
}

async function analyzeMinute(client: pg.PoolClient, start: number): Promise<void> {
  const result = await client.query<SampleRow>(
    `select observer, cohort, browser, event_id, event_seq::float8 as event_seq, stream, transport, lane,
            emitted_ms::float8 as emitted_ms, received_ms::float8 as received_ms, digest, seq, payload, peer_payload
       from public.validation_samples where emitted_ms >= $1 and emitted_ms < $2`,
    [start, start + MINUTE_MS],
  );
  const rules = await client.query<{ id: number; kind: string; stream: string | null }>('select id, kind, stream from public.validation_ignore_rules where active');
  const groups = new Map<string, ObservedSample[]>();
  for (const row of result.rows) {
    const key = `${row.cohort}\u0000${row.browser}`;
    const list = groups.get(key) ?? [];
    list.push({
      observer: row.observer,
      cohort: row.cohort,
      browser: row.browser,
      event_id: row.event_id,
      id: row.event_seq,
      stream: row.stream,
      transport: row.transport,
      lane: row.lane,
      emitted_at: row.emitted_ms,
      received_at: row.received_ms,
      digest: row.digest,
      seq: row.seq,
      payload: row.payload ?? undefined,
      peer_payload: row.peer_payload ?? undefined,
    });
    groups.set(key, list);
  }
  const minute = new Date(start).toISOString();
  await client.query('begin');
  try {
    for (const [key, samples] of groups) {
      const [cohort, browser] = key.split('\u0000') as [string, string];
      const analysis = analyze(samples, start + MINUTE_MS + GRACE_MS, GRACE_MS);
      const flagged = analysis.events.filter((event) => event.outcome !== 'matched' && event.outcome !== 'pending');
      const ignoredBy = (event: EventComparison) => rules.rows.find((rule) => rule.kind === event.outcome && (rule.stream === null || rule.stream === event.stream))?.id ?? null;
      const ignored = flagged.filter((event) => ignoredBy(event) !== null).length;
      const c = analysis.candidate;
      const counts: WindowCounts = {
        candidate: {
          matched: c.matched,
          mismatch: c.mismatch,
          missingCandidate: c.missingCandidate,
          missingControl: c.missingControl,
          duplicatesCandidate: c.duplicatesCandidate,
          duplicatesControl: c.duplicatesControl,
          compared: c.compared - ignored,
          discrepancies: c.discrepancies - ignored,
        },
        baseline: { compared: analysis.baseline.compared, discrepancies: analysis.baseline.discrepancies },
        outOfOrder: analysis.outOfOrder,
        ignored,
      };
      const latencyLegacy = emptyHistogram();
      const latencyRealtime = emptyHistogram();
      for (const sample of samples) {
        if (sample.lane === 'baseline') continue;
        record(sample.transport === 'legacy' ? latencyLegacy : latencyRealtime, sample.received_at - sample.emitted_at);
      }
      await client.query(
        `insert into public.validation_windows (minute, cohort, browser, counts, latency_legacy, latency_realtime)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (minute, cohort, browser) do update set counts = excluded.counts, latency_legacy = excluded.latency_legacy,
           latency_realtime = excluded.latency_realtime, analyzed_at = now()`,
        [minute, cohort, browser, counts, latencyLegacy, latencyRealtime],
      );
      for (const event of flagged) {
        await client.query(
          `insert into public.validation_discrepancies (minute, observer, cohort, browser, kind, stream, event_id, event_seq, control_payload, candidate_payload, ignored_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           on conflict (observer, event_id, kind) do nothing`,
          [minute, event.observer, cohort, browser, event.outcome, event.stream, event.eventId, event.id, event.control?.payload ?? event.candidate?.peer_payload ?? null, event.candidate?.payload ?? event.control?.peer_payload ?? null, ignoredBy(event)],
        );
      }
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
}
