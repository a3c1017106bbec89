/**
 * Child process: the writer. Produces cache_metrics rows at a paced rate, each stamped
 * with its sequence number and issue time (`bench-stamp.ts`), in one of three ways:
 * - `insert`: multi-row INSERTs straight into Postgres (the Realtime server reads the WAL);
 * - `publish`: the app's legacy publisher (`lib/ingest/legacy-publisher.ts`) posting the
 *   same rows as envelopes to the legacy feed's `/internal/publish` — after committing them
 *   (same INSERT) to an unpublished twin table when a database is given, as ingest publishes
 *   only what it committed, so both transports carry the commit and Postgres's load;
 * - `ingest`: the app's ingest path (`acceptIngest`: insert + legacy publish), one call per row.
 * `insert` and `publish` write every 10 ms tick's rows as one batch.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { stampSource } from './bench-stamp.js';
import { setBenchAppEnv } from './app-env.js';
import { createBenchIngest, type BenchIngest } from './bench-ingest.js';
import { serveRpc } from './child-rpc.js';
import { epochMs, sleep } from './clock.js';
import { LatencyHistogram, type HistogramData } from './latency-histogram.js';
import { registerServerOnlyStub } from './server-only-stub.js';

export type WriterMode = 'insert' | 'publish' | 'ingest';

export interface OpenWriter {
  mode: WriterMode;
  databaseUrl?: string;
  publishUrl?: string;
  publishKey?: string;
}

export interface WriteResult {
  rows: number;
  errors: string[];
  /** Write call → acknowledged (commit, publish accepted into the queue, ingest answered). */
  ack: HistogramData;
  /** Legacy publisher counters (publish and ingest modes). */
  publisher?: { published: number; dropped: number; queued: number };
}

const TICK_MS = 10;
const INSERT = `insert into public.cache_metrics (event_id, source, cache_name, hits, misses, hit_ratio, evictions, keys, memory_bytes, ops_per_sec, p50_latency_ms, p99_latency_ms)
  select gen_random_uuid(), s, 'sessions', 900, 100, 0.9, 3, 5000, 1048576, 1000, 0.4, 2.5 from unnest($1::text[]) as s`;

/**
 * cache_metrics' twin outside the publication: the legacy lane's commits, which Realtime must
 * not see. It carries cache_metrics' rollup trigger, so Postgres does the same work per commit
 * for both transports (without it, the Realtime phases alone paid for the rollups).
 */
const TWIN = `create table if not exists public.bench_legacy_rows (like public.cache_metrics including all);
  create or replace trigger bench_legacy_rows_roll_up after insert on public.bench_legacy_rows
    referencing new table as new_rows for each statement execute function public.cache_metrics_roll_up()`;
const INSERT_TWIN = `${INSERT.replace('public.cache_metrics', 'public.bench_legacy_rows')}
  returning id::float8 as id, event_id, to_char(emitted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as emitted_at, source`;

type Publisher = { enqueue(envelopes: unknown[]): void; stats(): { published: number; dropped: number; queued: number }; close(): Promise<void> };

let mode: WriterMode = 'insert';
let pool: pg.Pool | undefined;
let publisher: Publisher | undefined;
let ingest: BenchIngest | undefined;
let nextSeq = 1;

function envelope(row: { id: number; event_id: string; emitted_at: string; source: string }) {
  const data = { source: row.source, cache_name: 'sessions', window_seconds: 1, hits: 900, misses: 100, hit_ratio: 0.9, evictions: 3, keys: 5000, memory_bytes: 1048576, ops_per_sec: 1000, p50_latency_ms: 0.4, p99_latency_ms: 2.5 };
  return { id: row.id, event_id: row.event_id, stream: 'cache_metrics', emitted_at: row.emitted_at, data };
}

async function committedRows(sources: string[], issuedAt: number, first: number) {
  if (pool) return (await pool.query<{ id: number; event_id: string; emitted_at: string; source: string }>(INSERT_TWIN, [sources])).rows;
  return sources.map((source, k) => ({ id: first + k, event_id: randomUUID(), emitted_at: new Date(issuedAt).toISOString(), source }));
}

/** Writes `rows` rows (seq `first` …) issued at `issuedAt`; resolves when acknowledged. */
async function write(first: number, rows: number, issuedAt: number): Promise<void> {
  const sources = Array.from({ length: rows }, (_, k) => stampSource(first + k, issuedAt));
  if (mode === 'insert') await pool!.query(INSERT, [sources]);
  else if (mode === 'publish') publisher!.enqueue((await committedRows(sources, issuedAt, first)).map(envelope));
  else for (const source of sources) await ingest!.ingestOne(source);
}

serveRpc({
  async open(spec: OpenWriter) {
    mode = spec.mode;
    if (mode !== 'ingest' && spec.databaseUrl) {
      pool = new pg.Pool({ connectionString: spec.databaseUrl, max: 4 });
      pool.on('error', () => undefined);
      if (mode === 'publish') await pool.query(TWIN);
    }
    if (mode === 'insert') return;
    registerServerOnlyStub();
    setBenchAppEnv({ databaseUrl: spec.databaseUrl ?? 'postgresql://127.0.0.1:9/none', publishUrl: spec.publishUrl, publishKey: spec.publishKey });
    if (mode === 'publish') {
      const { createLegacyPublisher } = await import('../../lib/ingest/legacy-publisher.js');
      publisher = createLegacyPublisher({ url: spec.publishUrl ?? '', key: spec.publishKey ?? '', log: (line) => process.stderr.write(`[writer] ${line}\n`) }) as unknown as Publisher;
    } else {
      ingest = await createBenchIngest({ databaseUrl: spec.databaseUrl ?? '', publishUrl: spec.publishUrl ?? '', publishKey: spec.publishKey ?? '' });
    }
  },
  nextSeq: () => nextSeq,
  /**
   * `rate` rows/s for `seconds`, never waiting for an earlier write (so a slow sink shows as
   * latency, not as a lower rate); resolves once every write was acknowledged.
   */
  async step(params: { rate: number; seconds: number }): Promise<WriteResult> {
    const total = Math.round(params.rate * params.seconds);
    const errors: string[] = [];
    const ack = new LatencyHistogram();
    const writes: Array<Promise<void>> = [];
    const started = performance.now();
    const perTick = mode === 'ingest' ? 1000 / params.rate : TICK_MS;
    let issued = 0;
    for (let tick = 0; issued < total; tick += 1) {
      const wait = started + tick * perTick - performance.now();
      if (wait > 0) await sleep(wait);
      const due = mode === 'ingest' ? 1 : Math.min(total, Math.round(((tick + 1) * perTick * params.rate) / 1000)) - issued;
      if (due <= 0) continue;
      const issuedAt = epochMs();
      writes.push(write(nextSeq + issued, due, issuedAt).then(() => ack.record(epochMs() - issuedAt), (error: unknown) => void errors.push(error instanceof Error ? error.message : String(error))));
      issued += due;
    }
    nextSeq += issued;
    await Promise.all(writes);
    const stats = (publisher ?? (ingest ? { stats: () => ingest!.publisherStats() } : undefined))?.stats();
    return { rows: issued, errors, ack: ack.data(), publisher: stats && { published: stats.published, dropped: stats.dropped, queued: stats.queued } };
  },
  async shutdown() {
    await publisher?.close();
    await ingest?.close();
    await pool?.end();
  },
});
