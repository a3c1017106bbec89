/**
 * Child process: lightweight subscribers that generate the load. Each is one raw WebSocket
 * (`raw-websocket.ts`) and one signed-in user, speaking just enough of its protocol to
 * subscribe to cache_metrics INSERTs — Phoenix vsn 2.0.0 with a `postgres_changes` binding
 * on its own topic (as the dashboard joins), or the legacy feed's auth + subscribe. A
 * receipt is never parsed: the row's stamp is read from the frame bytes (`bench-stamp.ts`).
 */
import { readStamp } from './bench-stamp.js';
import { serveRpc } from './child-rpc.js';
import { epochMs } from './clock.js';
import { RawWebSocket } from './raw-websocket.js';
import { ClientStep } from './receipt-ledger.js';
import { userToken } from './tokens.js';

export type SubscriberKind = 'realtime' | 'legacy';

export interface OpenLoad {
  kind: SubscriberKind;
  /** realtime: the server's http(s) base URL; legacy: the feed's ws URL. */
  url: string;
  anonKey?: string;
  jwtSecret: string;
  count: number;
  /** Distinguishes this process's topics from other processes'. */
  name: string;
  /** realtime only: postgres_changes (default, a topic per subscriber) or Broadcast from Database (the private `monitoring:cache_metrics`). */
  strategy?: 'postgres_changes' | 'broadcast';
}

const STAMP_START = Buffer.from('b~');

/** Every row stamp in a frame (a batched broadcast carries several). */
function recordAll(index: number, data: Buffer, start: number, end: number): void {
  for (let at = data.indexOf(STAMP_START, start); at >= 0 && at < end; at = data.indexOf(STAMP_START, at + 2)) {
    if (readStamp(data, at + 1, end, stamp)) ledger.record(index, stamp.seq, stamp.issuedMs, epochMs());
  }
}

const HEARTBEAT_MS = 20_000;
const WAVE = 25;

const step = new ClientStep();
const { ledger } = step;
const sockets: RawWebSocket[] = [];
const stamp = { seq: 0, issuedMs: 0 };
let heartbeat: NodeJS.Timeout | undefined;

function open(spec: OpenLoad, index: number, token: string): Promise<RawWebSocket> {
  return new Promise((resolve, reject) => {
    let live = false;
    const broadcast = spec.kind === 'realtime' && spec.strategy === 'broadcast';
    const topic = broadcast ? 'realtime:monitoring:cache_metrics' : `realtime:bench-${spec.name}-${index}`;
    const url = spec.kind === 'realtime' ? `${spec.url.replace(/^http/, 'ws')}/realtime/v1/websocket?apikey=${spec.anonKey}&vsn=2.0.0` : spec.url;
    const connecting = RawWebSocket.connect(url, {
      onMessage(data, start, end) {
        if (live) {
          if (broadcast) recordAll(index, data, start, end);
          else if (readStamp(data, start, end, stamp)) ledger.record(index, stamp.seq, stamp.issuedMs, epochMs());
          return;
        }
        const text = data.toString('utf8', start, end);
        if (spec.kind === 'realtime' && text.includes('"system"')) {
          if (text.includes('"status":"ok"')) return void ((live = true), connecting.then(resolve));
          reject(new Error(`load-clients: join failed: ${text}`));
        } else if (spec.kind === 'legacy' && text.startsWith('{"type":"subscribed"')) {
          live = true;
          void connecting.then(resolve);
        } else if (spec.kind === 'legacy' && text.startsWith('{"type":"error"')) reject(new Error(`load-clients: legacy refused: ${text}`));
      },
      onClose() {
        if (live) step.closed += 1;
        else reject(new Error(`load-clients: subscriber ${index} closed before it was live`));
      },
    });
    connecting.then((ws) => {
      if (spec.kind === 'realtime') {
        const config = broadcast
          ? { broadcast: { self: false, ack: false, replication_ready: true }, presence: { enabled: false }, postgres_changes: [], private: true }
          : { broadcast: { self: false, ack: false }, presence: { enabled: false }, postgres_changes: [{ event: 'INSERT', schema: 'public', table: 'cache_metrics' }], private: false };
        ws.sendText(JSON.stringify(['1', '1', topic, 'phx_join', { config, access_token: token }]));
      } else {
        ws.sendText(JSON.stringify({ type: 'auth', token }));
        ws.sendText(JSON.stringify({ type: 'subscribe', streams: ['cache_metrics'] }));
      }
    }, reject);
  });
}

serveRpc({
  async open(spec: OpenLoad) {
    ledger.resize(spec.count);
    // Small waves: a thousand simultaneous handshakes would only measure the accept queue.
    for (let first = 0; first < spec.count; first += WAVE) {
      const wave = Array.from({ length: Math.min(WAVE, spec.count - first) }, async (_, k) => open(spec, first + k, await userToken(spec.jwtSecret)));
      sockets.push(...(await Promise.all(wave)));
    }
    if (spec.kind === 'realtime') {
      let ref = 1_000;
      heartbeat = setInterval(() => {
        for (const ws of sockets) ws.sendText(`[null,"${ref++}","phoenix","heartbeat",{}]`);
      }, HEARTBEAT_MS);
    }
    return { opened: sockets.length };
  },
  ...step.rpc,
  async shutdown() {
    clearInterval(heartbeat);
    await Promise.all(sockets.map((ws) => ws.close()));
  },
});
