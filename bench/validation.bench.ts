import { loadavg } from 'node:os';
import { startThrowawayPostgres } from '../test-support/throwaway-postgres.js';
import { latencySummary, percentile, round, type BenchModule, type BenchRow } from './harness.js';
import { setBenchAppEnv } from './support/app-env.js';
import { runChurn } from './support/churn-simulation.js';
import { registerServerOnlyStub } from './support/server-only-stub.js';

const BATCH = 1_000;
const IN_FLIGHT = 4;
const SECONDS = 8;
/** Stored events the samples name (the API refuses samples for events that were never stored). */
const EVENTS = 60_000;
const ANALYZE_OBSERVERS = 100;
const ANALYZE_EVENTS = 500;
/** The probe's compared lanes: the legacy control and Realtime on each strategy (issue 13). */
const PROBE_LANES = [
  { transport: 'legacy', lane: 'primary', latencyMs: 4 },
  { transport: 'realtime', lane: 'shadow', strategy: 'postgres_changes', latencyMs: 6 },
  { transport: 'realtime', lane: 'shadow', strategy: 'broadcast', latencyMs: 5 },
] as const;
/** Events per 1,000-sample batch: one sample per lane. */
const EVENTS_PER_BATCH = Math.floor(BATCH / PROBE_LANES.length);

/**
 * Validation ingest and analysis: samples/s accepted by `acceptSamples` (the
 * `POST /api/validation/samples` handler's work: rate limit, 1 MB body, zod, the
 * plausibility checks, the source lookup of every named event, one all-or-nothing insert)
 * with real 1,000-sample `Request`s, several in flight, against a throwaway Postgres; the
 * cost of the new checks alone; the comparison engine per sample; `analyzeClosedMinutes`
 * over what was stored; and the false-discrepancy rate of a virtual-time run with churn.
 */
export const validationBench: BenchModule = {
  id: 'validation',
  title: 'Validation samples API and comparison engine',
  async run(): Promise<BenchRow[]> {
    const load = round(loadavg()[0] ?? 0, 1);
    registerServerOnlyStub();
    const postgres = await startThrowawayPostgres({ seed: false });
    setBenchAppEnv({ databaseUrl: postgres.databaseUrl });
    const { acceptSamples } = await import('../lib/validation/store/accept-samples.js');
    const { analyzeObserverLanes, indexSources } = await import('../lib/validation/engine/analyze.js');
    const { checkBatchPlausibility, checkEventIdentity } = await import('../lib/validation/engine/evidence-checks.js');
    const { lookupEvents } = await import('../lib/validation/store/sample-store.js');
    const { loadSourceEvents } = await import('../lib/validation/store/source-events.js');
    const { analyzeClosedMinutes } = await import('../lib/validation/store/window-analysis.js');
    const { db } = await import('../lib/db/pool.js');
    try {
      const rows: BenchRow[] = [];
      // Events stored two minutes ago (one closed minute), so the samples' coverage and the window analysis reach them.
      const minute = Math.floor((Date.now() - 2 * 60_000) / 60_000) * 60_000;
      await db().query(
        `insert into public.cache_metrics (event_id, emitted_at, source, cache_name, hits, misses, hit_ratio, evictions, keys, memory_bytes, ops_per_sec, p50_latency_ms, p99_latency_ms)
         select gen_random_uuid(), to_timestamp(($2 + n * 50000.0 / $1) / 1000.0), 'bench', 'sessions', 90 + n % 7, 10, 0.9, 0, 1000, 65536, 100, 0.4, 2.5 from generate_series(1, $1) n`,
        [EVENTS, minute + 5_000],
      );
      const sources = [...(await loadSourceEvents(db(), minute, minute + 60_000)).sorted].sort((a, b) => a.id - b.id);
      let observer = 0;
      /** The probe's report of `events`: each delivered by legacy (primary) and by Realtime on both strategies (shadow), with the stored digest. */
      const batchOf = (events: typeof sources) => ({
        observer: `bench-observer-${(observer++).toString(36).padStart(6, '0')}`,
        cohort: 'probe' as const,
        browser: 'node' as const,
        clock_offset_ms: 0,
        errors: { legacy: 0, realtime: 0 },
        recovered: { replay: 0, history: 0 },
        // Live from just before its first event to a grace after its last: a tab covers its own stretch of time.
        coverage: PROBE_LANES.map(({ latencyMs: _, ...lane }) => ({ ...lane, from: (events[0]?.emittedMs ?? minute) - 3_000, to: (events.at(-1)?.emittedMs ?? minute) + 11_000 })),
        seen_through: Date.now(),
        samples: events.flatMap((event, seq) =>
          PROBE_LANES.map(({ latencyMs, ...lane }) => ({
            event_id: event.eventId,
            id: event.id,
            stream: 'cache_metrics' as const,
            ...lane,
            received_at: event.emittedMs + latencyMs,
            emitted_at: event.emittedMs,
            digest: event.digest,
            seq,
          })),
        ),
      });
      const slices = Array.from({ length: Math.floor(EVENTS / EVENTS_PER_BATCH) }, (_, i) => sources.slice(i * EVENTS_PER_BATCH, (i + 1) * EVENTS_PER_BATCH));
      // Many observers report the same events (as tabs do); enough bodies for 60,000 samples/s over the run.
      const bodies = Array.from({ length: 500 }, (_, i) => JSON.stringify(batchOf(slices[i % slices.length] ?? [])));
      const post = async (body: string) => {
        const request = new Request('http://127.0.0.1/api/validation/samples', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, body });
        const { stored } = await acceptSamples(request, { kind: 'service' });
        return stored;
      };
      for (const body of bodies.splice(0, 8)) await post(body); // warm-up: JIT, pool, prepared plans
      const latencies: number[] = [];
      const failures: string[] = [];
      let stored = 0;
      const started = performance.now();
      const deadline = started + SECONDS * 1000;
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          for (let body = bodies.pop(); body !== undefined && performance.now() < deadline; body = bodies.pop()) {
            const t = performance.now();
            try {
              const count = await post(body);
              stored += count;
              latencies.push(performance.now() - t);
            } catch (error) {
              failures.push(error instanceof Error ? error.message : String(error));
            }
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const { n, ...latency } = latencySummary(latencies);
      rows.push({
        table: 'Validation samples accepted (acceptSamples, 1,000-sample batches)',
        name: `${IN_FLIGHT} batches in flight · ${round(seconds, 1)} s`,
        metrics: { 'samples/s': Math.round(stored / seconds), 'batches/s': round((n ?? 0) / seconds, 1), ...latency },
        note: `target ≥ 20,000 samples/s with the plausibility checks and the source lookup of every named event; the route's limiter allows one caller 50 batches/s sustained (bursts of 100); ${failures.length} failed${failures[0] ? ` (${failures[0].slice(0, 80)})` : ''}${bodies.length === 0 ? '; body cap reached' : ''}; load avg ${load} at start`,
      });

      // The new checks alone, per sample: plausibility (pure) and the source lookup (one indexed query per batch).
      const checkRuns: number[] = [];
      for (const events of slices.slice(0, 40)) {
        const batch = { ...batchOf(events), samples: batchOf(events).samples.map((s) => ({ ...s })) };
        const t = performance.now();
        checkBatchPlausibility(batch, { subject: 'probe', cohorts: new Set(['probe']), legacyStates: new Set([true]), strategies: new Set(['postgres_changes', 'broadcast'] as const), previous: null, nowMs: Date.now(), recentErrors: { legacy: 0, realtime: 0 }, trusted: true });
        checkEventIdentity(batch, await lookupEvents(db(), batch.samples.map((s) => s.event_id)));
        checkRuns.push(performance.now() - t);
      }
      rows.push({
        table: 'Validation samples accepted (acceptSamples, 1,000-sample batches)',
        name: 'the new checks alone (plausibility + source lookup)',
        metrics: { 'µs/sample': round((percentile(checkRuns, 50) * 1000) / (EVENTS_PER_BATCH * PROBE_LANES.length), 2), 'p50 ms': round(percentile(checkRuns, 50)), 'p95 ms': round(percentile(checkRuns, 95)) },
        note: 'median of 40 batches, sequential; the lookup is one query on the event_id indexes of both streams',
      });

      // The comparison engine, pure: one observer at a time against the stored rows.
      const engineSources = indexSources(sources.slice(0, ANALYZE_EVENTS));
      const observed = Array.from({ length: ANALYZE_OBSERVERS }, () => batchOf(sources.slice(0, ANALYZE_EVENTS)));
      const engineRuns: number[] = [];
      for (let run = 0; run < 5; run += 1) {
        const t = performance.now();
        for (const batch of observed) {
          const coverage = batch.coverage.map(({ from, to, ...c }) => ({ ...c, fromMs: from, toMs: to }));
          const info = { observer: batch.observer, subject: batch.observer, trusted: true, cohort: 'probe', browser: 'node', seenThroughMs: batch.seen_through, coverage };
          analyzeObserverLanes(info, batch.samples.map((s) => ({ ...s, observer: batch.observer, cohort: 'probe', browser: 'node' })), engineSources, { graceMs: 10_000, settleMs: 2_000, legacyPublishing: () => true });
        }
        engineRuns.push(performance.now() - t);
      }
      const engineSamples = ANALYZE_OBSERVERS * ANALYZE_EVENTS * PROBE_LANES.length;
      const median = percentile(engineRuns, 50);
      rows.push({
        table: 'Comparison engine',
        name: `analyzeObserverLanes · ${engineSamples.toLocaleString('en')} samples (${ANALYZE_OBSERVERS} observers × ${ANALYZE_EVENTS} events × 3 lanes: legacy, postgres_changes, broadcast)`,
        metrics: { 'µs/sample': round((median * 1000) / engineSamples, 3), 'ms/run': round(median, 1), 'samples/s': Math.round(engineSamples / (median / 1000)) },
        note: 'median of 5 runs, in process, pure; each Realtime strategy judged on its own lane (the legacy control read once per strategy) against the stored row inside both lanes’ coverage',
      });

      const t = performance.now();
      const { minutes } = await analyzeClosedMinutes(db(), { now: Date.now() + 60_000, maxMinutes: 10 });
      const analyzeS = (performance.now() - t) / 1000;
      const inWindow = await db().query<{ n: string }>('select count(*) as n from public.validation_samples');
      const total = Number(inWindow.rows[0]?.n ?? 0);
      const judged = await db().query<{ n: number }>("select coalesce(sum((counts ->> 'compared')::int), 0)::int as n from public.validation_windows");
      rows.push({
        table: 'Comparison engine',
        name: `analyzeClosedMinutes · ${total.toLocaleString('en')} stored samples in 1 minute`,
        metrics: { 'µs/sample': round((analyzeS * 1e6) / total, 3), 'ms/run': Math.round(analyzeS * 1000), 'samples/s': Math.round(total / analyzeS) },
        note: `${minutes} minute(s) analysed (load the minute's rows and digest them, load samples and coverage, judge, upsert windows); ${judged.rows[0]?.n ?? 0} events compared`,
      });

      for (const fault of [0, 0.001]) {
        const t0 = performance.now();
        const churn = await runChurn({ seats: 50, minutes: 10, eventsPerSecond: 10, realtimeDrop: fault, seed: 7 });
        const rate = churn.compared > 0 ? churn.discrepancies / churn.compared : 0;
        rows.push({
          table: 'Parallel run with natural churn (virtual time)',
          name: fault === 0 ? '50 seats · 10 min · healthy Realtime' : `50 seats · 10 min · Realtime drops ${fault * 100} %`,
          metrics: {
            observers: churn.observers,
            compared: churn.compared,
            discrepancies: churn.discrepancies,
            'other flags': churn.otherFlags,
            'discrepancy rate': `${(rate * 100).toFixed(3)} %`,
          },
          note:
            fault === 0
              ? `target 0 false discrepancies in ≥ 100,000 compared events; ${churn.switches} cohort switches, ${churn.closedMidDelivery} tabs closed mid-delivery (20 % of their last reports lost), ${churn.lanesDown} lane reconnects (legacy resumes with a replay), ${churn.hides} hidden periods; real sampler, storage rules and engine; ${round((performance.now() - t0) / 1000, 1)} s`
              : `positive control: ${churn.dropped} of ${churn.events} events dropped on Realtime ⇒ expected rate ≈ ${((churn.dropped / churn.events) * 100).toFixed(3)} %`,
        });
      }
      return rows;
    } finally {
      await db().end();
      await postgres.stop();
    }
  },
};
