import { randomUUID } from 'node:crypto';
import { register } from 'node:module';
import { loadavg } from 'node:os';
import { createClient } from '@supabase/supabase-js';
import { SignJWT } from 'jose';
import pg from 'pg';
import WebSocket from 'ws';
import { signApiKey } from '../servers/local-supabase/secrets.js';
import { startRealtimeServer } from '../servers/local-supabase/realtime/start-realtime-server.js';
import { startThrowawayPostgres, tolerateShutdown } from '../test-support/throwaway-postgres.js';
import { latencySummary, round, type BenchModule, type BenchRow } from './harness.js';

const DAY = 86_400_000;
/** Old rows waiting for retention: enough that deleting them outlasts the measurement. */
const BACKLOG_ROWS = Number(process.env.INTERFERENCE_BACKLOG ?? 5_000_000);
const BLOCK_MS = 5_000;
/** Cycles of idle → paced, then as many flat-out blocks at the end. */
const BLOCKS = 3;

const SERVER_ONLY_STUB = `export async function resolve(specifier, context, next) {
  return specifier === 'server-only' ? { url: 'data:text/javascript,export {}', shortCircuit: true } : next(specifier, context);
}`;

const OLD_ROWS = `
insert into public.cache_metrics (event_id, emitted_at, source, cache_name, hits, misses, hit_ratio, evictions, keys, memory_bytes, ops_per_sec, p50_latency_ms, p99_latency_ms)
select gen_random_uuid(), to_timestamp(($1::bigint + n * 10) / 1000.0), 'node-' || (n % 7), (array['sessions', 'catalog', 'carts'])[1 + n % 3], 900, 100, 0.9, 1, 5000, 1048576, 1000, 0.5, 2
  from generate_series(0, $2::int - 1) n`;

// An ingest batch as the simulator sends it at the default rate: 20 rows.
const BATCH = `
insert into public.cache_metrics (event_id, source, cache_name, hits, misses, hit_ratio, evictions, keys, memory_bytes, ops_per_sec, p50_latency_ms, p99_latency_ms)
select gen_random_uuid(), 'node-' || (n % 7), (array['sessions', 'catalog', 'carts'])[1 + n % 3], 900, 100, 0.9, 1, 5000, 1048576, 1000, 0.5, 2 from generate_series(1, 20) n`;

// The simulator's default shape, paced: a 10-row statement every 50 ms (200 rows/s), each tagged with its sequence number.
const PACED_BATCH = `
insert into public.cache_metrics (event_id, source, cache_name, hits, misses, hit_ratio, evictions, keys, memory_bytes, ops_per_sec, p50_latency_ms, p99_latency_ms)
select gen_random_uuid(), $1, (array['sessions', 'catalog', 'carts'])[1 + n % 3], 900, 100, 0.9, 1, 5000, 1048576, 1000, 0.5, 2 from generate_series(1, 10) n`;
const JWT_SECRET = 'retention-bench-secret-retention-bench-secret';

type Mode = 'idle' | 'flat out' | 'paced';
const MODES: Mode[] = ['idle', 'flat out', 'paced'];
// Flat out last: the slot is still decoding its deletes long after a flat-out block ends, which
// would be charged to whichever block came next.
const ORDER: Mode[] = [...Array.from({ length: BLOCKS }, () => ['idle', 'paced'] as Mode[]).flat(), ...Array.from({ length: BLOCKS }, () => 'flat out' as const)];
type RunRetention = (pool: pg.Pool, options: { budgetMs: number; publishedRowsPerSecond?: number }) => Promise<{ deleted: Record<string, number> } | null>;

/**
 * 5-s blocks alternating "retention idle" and "deleting paced" (runRetention's default, as the
 * worker runs it), then "deleting flat out" (publishedRowsPerSecond unbounded), runRetention in
 * a loop on its own connection. Returns the rows deleted per deleting mode.
 */
async function alternate(pool: pg.Pool, runRetention: RunRetention, block: (mode: Mode, until: number) => Promise<void>): Promise<Record<Mode, number>> {
  const deleted: Record<Mode, number> = { idle: 0, 'flat out': 0, paced: 0 };
  for (const mode of ORDER) {
    let stop = false;
    const options = { budgetMs: 500, ...(mode === 'flat out' ? { publishedRowsPerSecond: Number.POSITIVE_INFINITY } : {}) };
    const retention = mode !== 'idle'
      ? (async () => {
          while (!stop) deleted[mode] += Object.values((await runRetention(pool, options))?.deleted ?? {}).reduce((a, n) => a + n, 0);
        })()
      : Promise.resolve();
    await block(mode, performance.now() + BLOCK_MS);
    stop = true;
    await retention;
  }
  return deleted;
}

async function loadBacklog(pool: pg.Pool) {
  const old = Date.now() - 10 * DAY;
  const loader = await pool.connect();
  try {
    await loader.query('set session_replication_role = replica');
    for (let i = 0; i < BACKLOG_ROWS; i += 100_000) await loader.query(OLD_ROWS, [old + i * 10, Math.min(100_000, BACKLOG_ROWS - i)]);
    await loader.query('set session_replication_role = origin');
  } finally {
    loader.release();
  }
  await pool.query('vacuum analyze public.cache_metrics');
}

/**
 * Realtime delivery (ingest statement sent → supabase-js postgres_changes callback) at the
 * default rate, retention idle vs deleting: every deleted row is a decoded WAL change the
 * Realtime server reads and drops, on the same slot as the rows it delivers.
 */
async function deliveryWhileDeleting(pool: pg.Pool, databaseUrl: string, runRetention: RunRetention) {
  await loadBacklog(pool);
  const server = await startRealtimeServer({ port: 0, jwtSecret: JWT_SECRET, databaseUrl });
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ role: 'authenticated' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(randomUUID()).setIssuedAt(now).setExpirationTime(now + 3_600).sign(new TextEncoder().encode(JWT_SECRET));
  const client = createClient(server.url, await signApiKey(JWT_SECRET, 'anon'), { accessToken: async () => token, realtime: { transport: WebSocket as never }, auth: { persistSession: false, autoRefreshToken: false } });
  // Joined as a signed-in viewer (the token before the join; the callback alone comes too late for the first join).
  await client.realtime.setAuth(token);
  const sentAt = new Map<string, { at: number; mode: Mode }>();
  const latency: Record<Mode, number[]> = { idle: [], 'flat out': [], paced: [] };
  let received = 0;
  const channel = client.channel('retention-bench').on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'cache_metrics' }, (change) => {
    const sent = sentAt.get(String((change.new as { source?: string }).source));
    if (!sent) return;
    received += 1;
    latency[sent.mode].push(performance.now() - sent.at);
  });
  // Live on the server's readiness ("Subscribed to PostgreSQL"), not at SUBSCRIBED: rows written in between are never sent (failure mode 5).
  const ready = new Promise<void>((resolve) => {
    channel.on('system', {}, (message: { extension?: string; status?: string }) => {
      if (message.extension === 'postgres_changes' && message.status === 'ok') resolve();
    });
  });
  await new Promise<void>((resolve, reject) => channel.subscribe((status) => (status === 'SUBSCRIBED' ? resolve() : status === 'CHANNEL_ERROR' || status === 'TIMED_OUT' ? reject(new Error(status)) : undefined)));
  await ready;
  const ingest = await pool.connect();
  let seq = 0;
  try {
    const deleted = await alternate(pool, runRetention, async (mode, until) => {
      for (let next = performance.now(); next < until; next += 50) {
        if (performance.now() < next) await new Promise((resolve) => setTimeout(resolve, next - performance.now()));
        const tag = `bench-${(seq += 1)}`;
        sentAt.set(tag, { at: performance.now(), mode });
        await ingest.query(PACED_BATCH, [tag]);
      }
    });
    // Every row sent is delivered before the figures are read (bounded).
    const expected = seq * 10;
    for (const deadline = performance.now() + 120_000; received < expected && performance.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 50));
    return { latency, deleted, missing: expected - received };
  } finally {
    ingest.release();
    await client.removeAllChannels();
    await server.close();
  }
}

/**
 * Does retention stall ingest? 20-row insert statements back to back, in blocks alternating
 * between "retention idle" and "retention deleting a backlog of old rows" (the worker's
 * runRetention in a loop, on its own connection), same run, same machine load.
 */
export const retentionInterferenceBench: BenchModule = {
  id: 'retention-interference',
  title: 'Ingest statements while retention deletes',
  async run(): Promise<BenchRow[]> {
    const loadAtStart = round(loadavg()[0] ?? 0, 1);
    register(`data:text/javascript,${encodeURIComponent(SERVER_ONLY_STUB)}`);
    const { runRetention } = await import('../lib/retention/run-retention.js');
    const postgres = await startThrowawayPostgres({ seed: false });
    const pool = tolerateShutdown(new pg.Pool({ connectionString: postgres.databaseUrl, max: 4 }));
    const ingest = await pool.connect();
    const times: Record<Mode, number[]> = { idle: [], 'flat out': [], paced: [] };
    let deleted: Record<Mode, number> = { idle: 0, 'flat out': 0, paced: 0 };
    let delivery: Awaited<ReturnType<typeof deliveryWhileDeleting>>;
    try {
      await loadBacklog(pool);
      deleted = await alternate(pool, runRetention, async (mode, until) => {
        while (performance.now() < until) {
          const t0 = performance.now();
          await ingest.query(BATCH);
          times[mode].push(performance.now() - t0);
        }
      });
      delivery = await deliveryWhileDeleting(pool, postgres.databaseUrl, runRetention);
    } finally {
      ingest.release();
      await pool.end();
      await postgres.stop();
    }
    const deletedNote = (mode: Mode, rowsDeleted: Record<Mode, number>) =>
      mode === 'idle'
        ? undefined
        : `${rowsDeleted[mode]} old rows deleted meanwhile${mode === 'paced' ? ' (published tables at 2,000 rows/s: runRetention as the worker runs it, here back to back)' : ' (batches of 5,000, published tables unpaced)'}${rowsDeleted['flat out'] + rowsDeleted.paced >= BACKLOG_ROWS ? '; the backlog ran out' : ''}`;
    const rows: BenchRow[] = MODES.map((mode) => ({
      table: 'Ingest statement (20 rows) latency, retention idle vs deleting (5-s blocks: idle and paced alternating, then flat out)',
      name: `retention ${mode}`,
      metrics: { ...latencySummary(times[mode]), 'statements/s': round(times[mode].length / ((BLOCKS * BLOCK_MS) / 1000), 0) },
      note: deletedNote(mode, deleted),
    }));
    for (const mode of MODES) {
      rows.push({
        table: 'Realtime delivery (statement sent → supabase-js postgres_changes callback) at 200 rows/s, retention idle vs deleting',
        name: `retention ${mode}`,
        metrics: { ...latencySummary(delivery.latency[mode]), missing: delivery.missing },
        note: mode === 'idle' ? `local Realtime server on the same Postgres, one official client; load avg ${loadAtStart} at start` : `${deletedNote(mode, delivery.deleted)}; target: p99 within 10 % of idle`,
      });
    }
    return rows;
  },
};
