import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import type { PostgresChangesSubscriber } from '../servers/local-supabase/realtime/postgres-changes/contract.js';
import { createPostgresChanges, type PostgresChangesExtension } from '../servers/local-supabase/realtime/postgres-changes/postgres-changes.js';
import { startThrowawayPostgres } from '../test-support/throwaway-postgres.js';
import { latencySummary, round, type BenchModule, type BenchRow } from './harness.js';

const SUBSCRIBERS = 200;
const RATE = 200;
const SECONDS = 10;
const RLS_RATE = 50;
const RLS_SECONDS = 5;
const DECODE_ROWS = 50_000;
const FANOUT_ROWS = 10_000;
const FANOUT_BATCH = 100;

/** Two tables shaped like the app's streams: one whose policy is `true` (fast path), one per-owner. */
const SCHEMA_SQL = `
create table public.bench_events (id bigint primary key, event_id uuid not null default gen_random_uuid(), emitted_at timestamptz not null default now(), owner uuid, payload jsonb);
alter table public.bench_events enable row level security;
create policy "signed-in users read" on public.bench_events for select to authenticated using (true);
create table public.bench_owned (like public.bench_events including all);
alter table public.bench_owned enable row level security;
create policy "owners read" on public.bench_owned for select to authenticated using (owner = auth.uid());
grant select on public.bench_events, public.bench_owned to authenticated;
alter publication supabase_realtime add table public.bench_events, public.bench_owned;`;

interface Harness {
  pool: pg.Pool;
  extension: PostgresChangesExtension;
  /** Per inserted id: when the INSERT was issued (performance.now() ms). */
  issuedAt: Map<number, number>;
  latencies: number[];
  /** INSERT issued → its commit acknowledged to the writer (context for the delivery latency). */
  acks: number[];
  deliveries: number;
}

/**
 * postgres_changes extension alone (no sockets): INSERT issued → `deliver()` callback latency
 * for 200 `authenticated` subscribers with distinct `sub`s, on a `using (true)` table (RLS fast
 * path) and on a per-owner table (one batched RLS query per change); then decoding and fan-out
 * throughput.
 */
export const logicalDecodingBench: BenchModule = {
  id: 'logical-decoding',
  title: 'postgres_changes: logical decoding → deliver()',
  async run(): Promise<BenchRow[]> {
    const db = await startThrowawayPostgres({ seed: false });
    const pool = new pg.Pool({ connectionString: db.databaseUrl, max: 8 });
    pool.on('error', (error) => console.error(`bench: idle writer connection lost: ${error.message}`));
    await pool.query(SCHEMA_SQL);
    const extension = await createPostgresChanges({ databaseUrl: db.databaseUrl, slotName: 'bench_logical_decoding' });
    await extension.ready;
    const h: Harness = { pool, extension, issuedAt: new Map(), latencies: [], acks: [], deliveries: 0 };
    try {
      const rows: BenchRow[] = [];
      const owners = Array.from({ length: SUBSCRIBERS }, () => randomUUID());
      const keys = await subscribeAll(h, owners);

      const cpuBefore = process.cpuUsage();
      const fastStarted = performance.now();
      const fast = await paced(h, 'bench_events', RATE, SECONDS, () => null, RATE * SECONDS * SUBSCRIBERS);
      const cpu = process.cpuUsage(cpuBefore);
      const cpuPercent = Math.round((100 * (cpu.user + cpu.system)) / 1000 / (performance.now() - fastStarted));
      rows.push(latencyRow(`fast path (policy true) · ${RATE} rows/s · ${SUBSCRIBERS} subscribers`, fast, RATE * SECONDS * SUBSCRIBERS, `extension + writer process CPU ${cpuPercent} %`));
      rows.push({ table: 'postgres_changes latency (INSERT issued → deliver())', name: `context: INSERT issued → commit acknowledged · ${RATE} rows/s`, metrics: latencySummary(h.acks), note: 'synchronous_commit=on, fsync=on; includes the WAL flush every delivery waits for too' });
      const before = extension.stats();
      const slow = await paced(h, 'bench_owned', RLS_RATE, RLS_SECONDS, (index) => owners[index % owners.length]!, RLS_RATE * RLS_SECONDS);
      const after = extension.stats();
      rows.push(
        latencyRow(`RLS query (owner = auth.uid()) · ${RLS_RATE} rows/s · ${SUBSCRIBERS} subscribers`, slow, RLS_RATE * RLS_SECONDS, `${after.rlsQueries - before.rlsQueries} batched RLS queries for ${after.rlsGroupsChecked - before.rlsGroupsChecked} (role, claims) groups`),
      );

      const fanout = await burst(h, FANOUT_ROWS, FANOUT_BATCH);
      rows.push({
        table: 'postgres_changes throughput',
        name: `fan-out · ${SUBSCRIBERS} subscribers · ${FANOUT_ROWS} rows in ${FANOUT_BATCH}-row transactions`,
        metrics: { changes: FANOUT_ROWS, seconds: round(fanout.seconds), 'changes/s': Math.round(FANOUT_ROWS / fanout.seconds), 'deliveries/s': Math.round(fanout.deliveries / fanout.seconds) },
        note: 'commit of the first batch → last deliver() of the last row',
      });
      for (const key of keys) extension.unsubscribe(key);
      const decode = await burst(h, DECODE_ROWS, DECODE_ROWS);
      rows.push({
        table: 'postgres_changes throughput',
        name: `decode only · no subscribers · ${DECODE_ROWS} rows in one transaction`,
        metrics: { changes: DECODE_ROWS, seconds: round(decode.seconds), 'changes/s': Math.round(DECODE_ROWS / decode.seconds), 'deliveries/s': 0 },
        note: 'INSERT statement start → every change decoded and confirmed',
      });
      return rows;
    } finally {
      await extension.close();
      await pool.end();
      await db.stop();
    }
  },
};

async function subscribeAll(h: Harness, owners: string[]): Promise<string[]> {
  const ready = owners.map(
    (sub, index) =>
      new Promise<string>((resolve, reject) => {
        const subscriber: PostgresChangesSubscriber = {
          key: `bench-${index}`,
          bindings: [
            { event: 'INSERT', schema: 'public', table: 'bench_events', id: 1 },
            { event: 'INSERT', schema: 'public', table: 'bench_owned', id: 2 },
          ],
          claims: { role: 'authenticated', sub, aud: 'authenticated' },
          deliver(frame) {
            const issued = h.issuedAt.get(frame.data.record?.id as number);
            if (issued !== undefined) h.latencies.push(performance.now() - issued);
            h.deliveries += 1;
          },
          status(result) {
            if (result.status === 'ok') resolve(subscriber.key);
            else reject(new Error(`bench: subscribe failed: ${result.message}`));
          },
        };
        h.extension.subscribe(subscriber);
      }),
  );
  return Promise.all(ready);
}

let nextId = 1;

/** Inserts single-row transactions at `rate`/s for `seconds`, without waiting for one to finish before the next. */
async function paced(h: Harness, table: string, rate: number, seconds: number, owner: (index: number) => string | null, expectedDeliveries: number): Promise<number[]> {
  h.latencies = [];
  h.acks = [];
  h.issuedAt.clear();
  const total = rate * seconds;
  const started = performance.now();
  const inserts: Array<Promise<unknown>> = [];
  for (let index = 0; index < total; index += 1) {
    const due = started + (index * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const id = nextId++;
    const issued = performance.now();
    h.issuedAt.set(id, issued);
    inserts.push(h.pool.query(`insert into public.${table} (id, owner, payload) values ($1, $2, $3)`, [id, owner(index), { seq: index, label: 'bench' }]).then(() => h.acks.push(performance.now() - issued)));
  }
  await Promise.all(inserts);
  await until(() => h.latencies.length >= expectedDeliveries, 30_000).catch(() => undefined);
  return h.latencies;
}

async function burst(h: Harness, rows: number, batch: number): Promise<{ seconds: number; deliveries: number }> {
  h.issuedAt.clear();
  const changesBefore = h.extension.stats().changes;
  const deliveriesBefore = h.deliveries;
  const started = performance.now();
  for (let offset = 0; offset < rows; offset += batch) {
    const first = nextId;
    nextId += batch;
    await h.pool.query('insert into public.bench_events (id, payload) select g, jsonb_build_object($3::text, g) from generate_series($1::int8, $2::int8) g', [first, first + batch - 1, 'seq']);
  }
  await until(() => h.extension.stats().changes - changesBefore >= rows && h.extension.stats().pendingTransactions === 0, 120_000);
  return { seconds: (performance.now() - started) / 1000, deliveries: h.deliveries - deliveriesBefore };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('bench: timed out waiting for the extension to catch up');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function latencyRow(name: string, samples: number[], expected: number, extra?: string): BenchRow {
  return {
    table: 'postgres_changes latency (INSERT issued → deliver())',
    name,
    metrics: latencySummary(samples),
    note: [`${expected - samples.length} of ${expected} expected deliveries missing`, extra, 'target p99 ≤ 15 ms'].filter(Boolean).join('; '),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await logicalDecodingBench.run();
  for (const row of rows) console.log(`${row.table} | ${row.name} | ${JSON.stringify(row.metrics)} | ${row.note ?? ''}`);
}
