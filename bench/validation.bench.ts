import { loadavg } from 'node:os';
import { startThrowawayPostgres } from '../servers/testing/throwaway-postgres.js';
import { latencySummary, percentile, round, type BenchModule, type BenchRow } from './harness.js';
import { setBenchAppEnv } from './support/app-env.js';
import { registerServerOnlyStub } from './support/server-only-stub.js';
import { syntheticBatch, type SyntheticBatch } from './support/synthetic-samples.js';

const BATCH = 1_000;
const IN_FLIGHT = 4;
const SECONDS = 8;
/** Bodies are built before timing; enough for 60,000 samples/s over the run. */
const BODIES = 500;
const ANALYZE_SAMPLES = 100_000;
const MINUTE_MS = 60_000;

/**
 * Validation ingest and analysis: samples/s accepted by `acceptSamples` (the
 * `POST /api/validation/samples` handler's work: rate limit, 1 MB body, zod, one
 * all-or-nothing insert) with real 1,000-sample `Request`s, several in flight, against a
 * throwaway Postgres; the comparison engine's cost per sample; `analyzeClosedMinutes` over
 * what was stored.
 */
export const validationBench: BenchModule = {
  id: 'validation',
  title: 'Validation samples API and comparison engine',
  async run(): Promise<BenchRow[]> {
    const load = round(loadavg()[0] ?? 0, 1);
    registerServerOnlyStub();
    const postgres = await startThrowawayPostgres({ seed: false });
    setBenchAppEnv({ databaseUrl: postgres.databaseUrl });
    const { acceptSamples } = await import('../lib/validation/accept-samples.js');
    const { analyze } = await import('../lib/validation/analyze.js');
    const { analyzeClosedMinutes } = await import('../lib/validation/window-analysis.js');
    const { db } = await import('../lib/db/pool.js');
    try {
      const rows: BenchRow[] = [];
      // Every sample lands in one closed minute, so the window analysis below has it all.
      const minute = Math.floor((Date.now() - 3 * MINUTE_MS) / MINUTE_MS) * MINUTE_MS;
      const bodies = Array.from({ length: BODIES }, () => JSON.stringify(syntheticBatch(BATCH / 2, minute + 1_000, 50_000)));
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
        note: `target ≥ 20,000 samples/s; the route's limiter allows one caller 50 batches/s sustained (bursts of 100); ${failures.length} failed${failures[0] ? ` (${failures[0].slice(0, 80)})` : ''}${bodies.length === 0 ? '; body cap reached' : ''}; ~${Math.round(JSON.stringify(syntheticBatch(BATCH / 2, minute, 1)).length / 1024)} KB per body; load avg ${load} at start`,
      });

      const observed = Array.from({ length: ANALYZE_SAMPLES / BATCH }, () => syntheticBatch(BATCH / 2, minute, 50_000)).flatMap((batch: SyntheticBatch) =>
        batch.samples.map((sample) => ({ ...sample, observer: batch.observer, cohort: batch.cohort, browser: batch.browser })),
      );
      const runs: number[] = [];
      for (let run = 0; run < 5; run += 1) {
        const t = performance.now();
        analyze(observed, minute + MINUTE_MS + 10_000, 10_000);
        runs.push(performance.now() - t);
      }
      const median = percentile(runs, 50);
      rows.push({
        table: 'Comparison engine',
        name: `analyze · ${ANALYZE_SAMPLES.toLocaleString('en')} samples (100 observers × 500 events × 2 transports)`,
        metrics: { 'µs/sample': round((median * 1000) / ANALYZE_SAMPLES, 3), 'ms/run': round(median, 1), 'samples/s': Math.round(ANALYZE_SAMPLES / (median / 1000)) },
        note: 'median of 5 runs, in process, pure',
      });

      const t = performance.now();
      const { minutes } = await analyzeClosedMinutes(db(), { now: Date.now(), maxMinutes: 10 });
      const analyzeS = (performance.now() - t) / 1000;
      const inWindow = await db().query<{ n: string }>('select count(*) as n from public.validation_samples');
      const total = Number(inWindow.rows[0]?.n ?? 0);
      const flagged = await db().query<{ n: string }>('select count(*) as n from public.validation_discrepancies');
      rows.push({
        table: 'Comparison engine',
        name: `analyzeClosedMinutes · ${total.toLocaleString('en')} stored samples in 1 minute`,
        metrics: { 'µs/sample': round((analyzeS * 1e6) / total, 3), 'ms/run': Math.round(analyzeS * 1000), 'samples/s': Math.round(total / analyzeS) },
        note: `${minutes} minute(s) analysed (load, group, analyze, upsert window, ${flagged.rows[0]?.n ?? 0} discrepancies logged one insert each)`,
      });
      return rows;
    } finally {
      await db().end();
      await postgres.stop();
    }
  },
};
