/**
 * Child process of bench/realtime-fanout.bench.ts: N raw Phoenix (vsn 2.0.0) sockets, each
 * one authenticated user with a `postgres_changes` INSERT binding on cache_metrics, plus
 * the writer. Receipts are not parsed: the event_id is cut out of the frame bytes and
 * matched to its INSERT's issue time (same process, same clock), so the clients stay cheap.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { WebSocket } from 'ws';
import { latencySummary } from '../harness.js';
import { serveRpc } from './child-rpc.js';
import { cpuSeconds, sleep } from './clock.js';
import { userToken } from './tokens.js';

export interface StepResult {
  rows: number;
  deliveries: number;
  expected: number;
  /** First INSERT issued → last delivery of the step's rows. */
  seconds: number;
  latency: Record<string, number>;
  cpuS: number;
}

const EVENT_ID = Buffer.from('"event_id":"');
const issuedAt = new Map<string, number>();
const sockets: WebSocket[] = [];
let latencies: number[] = [];
let deliveries = 0;
let lastReceipt = 0;
let pool: pg.Pool | undefined;
let heartbeat: NodeJS.Timeout | undefined;

function onFrame(data: Buffer) {
  const at = data.indexOf(EVENT_ID);
  if (at < 0) return;
  const start = at + EVENT_ID.length;
  const issued = issuedAt.get(data.toString('latin1', start, start + 36));
  if (issued === undefined) return;
  const now = performance.now();
  latencies.push(now - issued);
  deliveries += 1;
  lastReceipt = now;
}

async function openSocket(url: string, anonKey: string, jwtSecret: string, index: number): Promise<void> {
  const token = await userToken(jwtSecret);
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/realtime/v1/websocket?apikey=${anonKey}&vsn=2.0.0`, { skipUTF8Validation: true, perMessageDeflate: false });
  sockets.push(ws);
  const topic = `realtime:fanout-${index}`;
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify(['1', '1', topic, 'phx_join', { access_token: token, config: { postgres_changes: [{ event: 'INSERT', schema: 'public', table: 'cache_metrics' }] } }])));
    const joining = (data: Buffer) => {
      const text = data.toString('utf8');
      if (!text.includes('"system"')) return;
      ws.off('message', joining);
      if (text.includes('"status":"ok"')) resolve();
      else reject(new Error(`fanout: join failed: ${text}`));
    };
    ws.on('message', joining);
  });
  ws.on('message', onFrame);
}

const INSERT = `insert into public.cache_metrics (event_id, source, cache_name, hits, misses, hit_ratio, evictions, keys, memory_bytes, ops_per_sec, p50_latency_ms, p99_latency_ms)
  select id, 'bench-fanout', 'sessions', 900, 100, 0.9, 3, 5000, 1048576, 1000, 0.4, 2.5 from unnest($1::uuid[]) as id`;

serveRpc({
  async open(params: { url: string; anonKey: string; jwtSecret: string; databaseUrl: string; count: number }) {
    pool = new pg.Pool({ connectionString: params.databaseUrl, max: 4 });
    pool.on('error', () => undefined);
    for (let index = 0; index < params.count; index += 25) {
      await Promise.all(Array.from({ length: Math.min(25, params.count - index) }, (_, k) => openSocket(params.url, params.anonKey, params.jwtSecret, index + k)));
    }
    let ref = 100;
    heartbeat = setInterval(() => {
      for (const ws of sockets) ws.send(JSON.stringify([null, String(ref++), 'phoenix', 'heartbeat', {}]));
    }, 20_000);
    return { opened: sockets.length };
  },
  /** Inserts `rate` rows/s for `seconds` (one multi-row INSERT per 10 ms tick), then waits for the deliveries. */
  async step(params: { rate: number; seconds: number; drainMs: number }): Promise<StepResult> {
    if (!pool) throw new Error('fanout: open first');
    issuedAt.clear();
    latencies = [];
    deliveries = 0;
    const cpu = process.cpuUsage();
    const ticks = params.seconds * 100;
    const started = performance.now();
    const inserts: Array<Promise<unknown>> = [];
    let rows = 0;
    for (let tick = 0; tick < ticks; tick += 1) {
      const wait = started + tick * 10 - performance.now();
      if (wait > 0) await sleep(wait);
      const due = Math.round(((tick + 1) * params.rate) / 100) - rows;
      if (due <= 0) continue;
      const ids = Array.from({ length: due }, () => randomUUID());
      const now = performance.now();
      for (const id of ids) issuedAt.set(id, now);
      rows += due;
      inserts.push(pool.query(INSERT, [ids]));
    }
    await Promise.all(inserts);
    const expected = rows * sockets.length;
    const deadline = performance.now() + params.drainMs;
    while (deliveries < expected && performance.now() < deadline) await sleep(20);
    return { rows, deliveries, expected, seconds: (lastReceipt - started) / 1000, latency: latencySummary(latencies), cpuS: cpuSeconds(process.cpuUsage(cpu)) };
  },
  async shutdown() {
    if (heartbeat) clearInterval(heartbeat);
    // Wait for the close handshakes: exiting mid-close leaves the server with resets.
    await Promise.all(sockets.map((ws) => new Promise<void>((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) return resolve();
      ws.once('close', () => resolve());
      ws.close();
      setTimeout(() => (ws.terminate(), resolve()), 2_000).unref();
    })));
    await pool?.end();
  },
});
