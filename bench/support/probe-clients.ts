/**
 * Child process: the latency probe. Full clients, one signed-in user each: the official,
 * unmodified supabase-js (`postgres_changes` INSERT on cache_metrics, a topic per client,
 * the access token handed over before the join as the dashboard does) or, for the legacy
 * feed, `ws` with its JSON protocol (auth, subscribe, every frame parsed). Each event is
 * matched to its row by the `source` stamp of the parsed row.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { WebSocket } from 'ws';
import { parseStamp } from './bench-stamp.js';
import { serveRpc } from './child-rpc.js';
import { epochMs } from './clock.js';
import type { SubscriberKind } from './load-clients.js';
import { ClientStep } from './receipt-ledger.js';
import { userToken } from './tokens.js';

export interface OpenProbe {
  kind: SubscriberKind;
  /** realtime: the server's http base URL; legacy: the feed's ws URL. */
  url: string;
  anonKey?: string;
  jwtSecret: string;
  count: number;
  /** realtime only: postgres_changes (default) or Broadcast from Database on the private `monitoring:cache_metrics` topic. */
  strategy?: 'postgres_changes' | 'broadcast';
}

const WAVE = 10;
const step = new ClientStep();
const { ledger } = step;
const closers: Array<() => Promise<void> | void> = [];
/** Realtime messages received since the step began (a batched envelope carries several rows). */
let messages = 0;

function record(index: number, source: unknown): void {
  const stamp = typeof source === 'string' ? parseStamp(source) : null;
  if (stamp) ledger.record(index, stamp.seq, stamp.issuedMs, epochMs());
}

async function openRealtime(spec: OpenProbe, index: number): Promise<void> {
  const token = await userToken(spec.jwtSecret);
  const client: SupabaseClient = createClient(spec.url, spec.anonKey ?? '', { accessToken: async () => token, realtime: { transport: WebSocket as never } });
  // supabase-js freezes a join frame when it is queued: hand the token over first (see realtime-transport.ts).
  await client.realtime.setAuth(token);
  closers.push(async () => {
    await client.removeAllChannels();
    client.realtime.disconnect();
  });
  if (spec.strategy === 'broadcast') return subscribeBroadcast(client, index);
  await new Promise<void>((resolve, reject) => {
    let live = false;
    const channel = client.channel(`bench-probe-${index}`);
    channel.on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'cache_metrics' }, (payload) => {
      messages += 1;
      record(index, (payload.new as { source?: unknown }).source);
    });
    channel.on('system', {}, (payload: { extension?: string; status?: string; message?: string }) => {
      if (payload.extension !== 'postgres_changes') return;
      if (payload.status !== 'ok') return reject(new Error(`probe-clients: postgres_changes: ${payload.message}`));
      live = true;
      resolve();
    });
    channel.subscribe((status, error) => {
      if (status === 'SUBSCRIBED') return;
      if (live) step.closed += 1;
      else reject(new Error(`probe-clients: channel ${status}: ${error?.message ?? ''}`));
    });
  });
}

/** The private Broadcast-from-Database channel, as the app's broadcast strategy joins it: live at replication_ready. */
function subscribeBroadcast(client: SupabaseClient, index: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let live = false;
    const channel = client.channel('monitoring:cache_metrics', { config: { private: true, broadcast: { replication_ready: true } } });
    channel.on('broadcast', { event: '*' }, (message: { event?: string; payload?: { record?: { source?: unknown }; rows?: Array<{ source?: unknown }> } }) => {
      messages += 1;
      if (message.event === 'INSERT') record(index, message.payload?.record?.source);
      else for (const row of message.payload?.rows ?? []) record(index, row.source);
    });
    channel.on('system', {}, (payload: { extension?: string; status?: string; message?: string }) => {
      if (payload.extension !== 'system') return;
      if (payload.status !== 'ok') return reject(new Error(`probe-clients: broadcast: ${payload.message}`));
      live = true;
      resolve();
    });
    channel.subscribe((status, error) => {
      if (status === 'SUBSCRIBED') return;
      if (live) step.closed += 1;
      else reject(new Error(`probe-clients: channel ${status}: ${error?.message ?? ''}`));
    });
  });
}

async function openLegacy(spec: OpenProbe, index: number): Promise<void> {
  const token = await userToken(spec.jwtSecret);
  await new Promise<void>((resolve, reject) => {
    let live = false;
    const ws = new WebSocket(spec.url);
    closers.push(() => ws.close());
    ws.once('error', reject);
    ws.once('open', () => {
      ws.send(JSON.stringify({ type: 'auth', token }));
      ws.send(JSON.stringify({ type: 'subscribe', streams: ['cache_metrics'] }));
    });
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; envelope?: { data?: { source?: unknown } } };
      if (frame.type === 'event') record(index, frame.envelope?.data?.source);
      else if (frame.type === 'subscribed') (live = true), resolve();
    });
    ws.on('close', () => {
      if (live) step.closed += 1;
      else reject(new Error(`probe-clients: legacy socket ${index} closed before it was live`));
    });
  });
}

async function closeAll(): Promise<void> {
  await Promise.all(closers.splice(0).map((close) => close()));
}

serveRpc({
  async open(spec: OpenProbe) {
    ledger.resize(spec.count);
    for (let first = 0; first < spec.count; first += WAVE) {
      await Promise.all(Array.from({ length: Math.min(WAVE, spec.count - first) }, (_, k) => (spec.kind === 'realtime' ? openRealtime : openLegacy)(spec, first + k)));
    }
    return { opened: closers.length };
  },
  ...step.rpc,
  reset: (window: Parameters<typeof step.rpc.reset>[0]) => {
    messages = 0;
    step.rpc.reset(window);
  },
  messages: () => messages,
  closeAll,
  shutdown: closeAll,
});
