/**
 * Child process of bench/delivery.bench.ts: the subscribers. Official supabase-js clients
 * (`postgres_changes` INSERT on cache_metrics) or legacy-feed `ws` clients, one socket and
 * one user each; every callback stamps its receipt with `epochMs()`.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { WebSocket } from 'ws';
import { latencySummary } from '../harness.js';
import { serveRpc } from './child-rpc.js';
import { cpuSeconds, epochMs } from './clock.js';
import { userToken } from './tokens.js';

export interface OpenClients {
  kind: 'realtime' | 'legacy';
  count: number;
  jwtSecret: string;
  /** realtime: the server's http URL and anon key; legacy: the feed's ws URL. */
  url: string;
  anonKey?: string;
}

export interface DeliveryResult {
  latency: Record<string, number>;
  /** p50 of the first and of the last third of the events: a growing backlog shows as a rise. */
  p50ByThird: [number, number];
  expected: number;
  missing: number;
  duplicates: number;
  /** CPU time of this process since `reset`, in s. */
  cpuS: number;
}

/** Per client: event_id → first receipt (epoch ms). */
let receipts: Array<Map<string, number>> = [];
let duplicates = 0;
let total = 0;
let cpuAtReset = process.cpuUsage();
const closers: Array<() => Promise<void> | void> = [];

function receiver(index: number) {
  const seen = new Map<string, number>();
  receipts[index] = seen;
  return (eventId: string) => {
    const t = epochMs();
    total += 1;
    if (seen.has(eventId)) duplicates += 1;
    else seen.set(eventId, t);
  };
}

async function openRealtime(spec: OpenClients, index: number): Promise<void> {
  const token = await userToken(spec.jwtSecret);
  const client: SupabaseClient = createClient(spec.url, spec.anonKey ?? '', {
    accessToken: async () => token,
    realtime: { transport: WebSocket as never },
  });
  // The join frame is frozen when queued: hand the token over first (see realtime-transport.ts).
  await client.realtime.setAuth(token);
  closers.push(async () => {
    await client.removeAllChannels();
    client.realtime.disconnect();
  });
  const record = receiver(index);
  await new Promise<void>((resolve, reject) => {
    const channel = client.channel(`bench-delivery-${index}`);
    channel.on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'cache_metrics' }, (payload) => record((payload.new as { event_id: string }).event_id));
    channel.on('system', {}, (payload: { extension?: string; status?: string; message?: string }) => {
      if (payload.extension !== 'postgres_changes') return;
      if (payload.status === 'ok') resolve();
      else reject(new Error(`postgres_changes: ${payload.message}`));
    });
    channel.subscribe((status, error) => {
      if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') reject(new Error(`channel ${status}: ${error?.message ?? ''}`));
    });
  });
}

async function openLegacy(spec: OpenClients, index: number): Promise<void> {
  const token = await userToken(spec.jwtSecret);
  const record = receiver(index);
  await new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(spec.url);
    closers.push(() => ws.close());
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; envelope?: { event_id: string } };
      if (frame.type === 'event' && frame.envelope) record(frame.envelope.event_id);
      else if (frame.type === 'ready') ws.send(JSON.stringify({ type: 'subscribe', streams: ['cache_metrics'] }));
      else if (frame.type === 'subscribed') resolve();
    });
  });
}

serveRpc({
  async open(spec: OpenClients) {
    receipts = [];
    const open = spec.kind === 'realtime' ? openRealtime : openLegacy;
    // Small waves: hundreds of simultaneous handshakes would only measure the accept queue.
    for (let index = 0; index < spec.count; index += 20) {
      await Promise.all(Array.from({ length: Math.min(20, spec.count - index) }, (_, k) => open(spec, index + k)));
    }
    return { opened: spec.count };
  },
  reset() {
    for (const seen of receipts) seen.clear();
    duplicates = 0;
    total = 0;
    cpuAtReset = process.cpuUsage();
  },
  received: () => total,
  /** `issued`: [event_id, ingest call time in this process's clock]. */
  collect(params: { issued: Array<[string, number]> }): DeliveryResult {
    const cpuS = cpuSeconds(process.cpuUsage(cpuAtReset));
    const latenciesOf = (issued: Array<[string, number]>) => {
      const latencies: number[] = [];
      for (const seen of receipts) {
        for (const [eventId, issuedAt] of issued) {
          const at = seen.get(eventId);
          if (at !== undefined) latencies.push(at - issuedAt);
        }
      }
      return latencies;
    };
    const latencies = latenciesOf(params.issued);
    const third = Math.floor(params.issued.length / 3);
    const p50 = (issued: Array<[string, number]>) => latencySummary(latenciesOf(issued))['p50 ms'] ?? Number.NaN;
    const expected = params.issued.length * receipts.length;
    return { latency: latencySummary(latencies), p50ByThird: [p50(params.issued.slice(0, third)), p50(params.issued.slice(-third))], expected, missing: expected - latencies.length, duplicates, cpuS };
  },
  async closeAll() {
    await Promise.all(closers.splice(0).map((close) => close()));
  },
  async shutdown() {
    await Promise.all(closers.splice(0).map((close) => close()));
  },
});
