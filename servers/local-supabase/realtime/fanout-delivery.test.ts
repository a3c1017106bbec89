import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { PostgresChangeData } from './postgres-changes/contract.js';
import type { Realtime } from './realtime.js';
import type { Vsn } from './serializer.js';
import { encodeFanoutText, encodePush, encodeUserBroadcast } from './serializer.js';
import { mountRealtime, type MountedRealtime } from '../../../test-support/realtime/mounted-realtime.js';
import { kind3 } from '../../../test-support/realtime/raw-socket.js';
import { ScriptedPostgresChanges } from '../../../test-support/realtime/scripted-postgres-changes.js';

const SECRET = 'fanout-delivery-secret-fanout-delivery';
const BINDING = { event: 'INSERT', schema: 'public', table: 'cache_metrics' };
const OUTBOUND_LIMIT = 1_000_000;
const extension = new ScriptedPostgresChanges();
const logs: string[] = [];
let mounted: MountedRealtime;
let realtime: Realtime;
let url: string;
let anonKey: string;
const clients: WebSocket[] = [];

beforeAll(async () => {
  mounted = await mountRealtime({ jwtSecret: SECRET, postgresChanges: extension, limits: { maxOutboundBufferBytes: OUTBOUND_LIMIT }, onLog: (line) => logs.push(line) });
  ({ realtime, url, anonKey } = mounted);
});
afterAll(async () => {
  for (const client of clients) client.terminate();
  await mounted.close();
});

interface Frame {
  binary: boolean;
  bytes: Buffer;
}

/** A client that keeps every frame's exact bytes. */
interface Client {
  ws: WebSocket;
  frames: Frame[];
  vsn: Vsn;
  next(match: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  count(match: (frame: Frame) => boolean, n: number, timeoutMs?: number): Promise<Frame[]>;
  closed: Promise<void>;
}

async function connect(vsn: Vsn): Promise<Client> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/realtime/v1/websocket?apikey=${anonKey}&vsn=${vsn}`);
  clients.push(ws);
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data, binary) => {
    frames.push({ binary, bytes: data as Buffer });
    for (const waiter of waiters) waiter();
  });
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const count = (match: (frame: Frame) => boolean, n: number, timeoutMs = 10_000) =>
    new Promise<Frame[]>((resolve, reject) => {
      const timer = setTimeout(() => (waiters.delete(check), reject(new Error(`timed out waiting for ${n} frames (have ${frames.filter(match).length})`))), timeoutMs);
      const check = () => {
        const found = frames.filter(match);
        if (found.length < n) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
      };
      waiters.add(check);
      check();
    });
  return { ws, frames, vsn, closed, count, next: async (match, timeoutMs) => (await count(match, 1, timeoutMs))[0]! };
}

const event = (frame: Frame): unknown => {
  if (frame.binary) return undefined;
  const json = JSON.parse(frame.bytes.toString('utf8')) as unknown;
  return Array.isArray(json) ? json[3] : (json as { event?: unknown }).event;
};
const isEvent = (name: string) => (frame: Frame) => event(frame) === name;

/** Joins `topic` with `config`; resolves with the join reply's response. */
async function join(client: Client, topic: string, joinRef: string, config: Record<string, unknown>): Promise<{ postgres_changes: Array<{ id: number }> }> {
  const payload = { config: { broadcast: { self: false }, presence: { enabled: false }, postgres_changes: [], private: false, ...config } };
  client.ws.send(JSON.stringify(client.vsn === '2.0.0' ? [joinRef, joinRef, topic, 'phx_join', payload] : { topic, event: 'phx_join', payload, ref: joinRef, join_ref: joinRef }));
  const reply = await client.next((frame) => {
    if (event(frame) !== 'phx_reply') return false;
    const json = JSON.parse(frame.bytes.toString('utf8')) as unknown[] | { ref: string; topic: string };
    return Array.isArray(json) ? json[1] === joinRef && json[2] === topic : json.ref === joinRef && json.topic === topic;
  });
  const json = JSON.parse(reply.bytes.toString('utf8')) as unknown[] | { payload: unknown };
  return ((Array.isArray(json) ? json[4] : json.payload) as { response: { postgres_changes: Array<{ id: number }> } }).response;
}

async function subscribed(client: Client, topic: string, bindings: unknown[]): Promise<number[]> {
  const before = client.frames.filter(isEvent('system')).length;
  const response = await join(client, topic, '1', { postgres_changes: bindings });
  await client.count(isEvent('system'), before + 1);
  return response.postgres_changes.map((binding) => binding.id);
}

function change(id: number, padding = ''): PostgresChangeData {
  return {
    schema: 'public',
    table: 'cache_metrics',
    type: 'INSERT',
    commit_timestamp: '2026-01-01T00:00:00.000Z',
    columns: [{ name: 'id', type: 'int8' }, { name: 'note', type: 'text' }],
    record: { id, note: `ü "quoted" \\ ${padding}` },
    errors: null,
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('fan-out delivery', () => {
  it('sends postgres_changes frames byte for byte as a whole-frame JSON encoding would, in both protocol versions', async () => {
    const modern = await connect('2.0.0');
    const legacy = await connect('1.0.0');
    const modernIds = await subscribed(modern, 'realtime:bytes-a', [BINDING]);
    const secondIds = await subscribed(modern, 'realtime:bytes-b', [BINDING, { event: '*', schema: 'public', table: 'cache_metrics' }]);
    const legacyIds = await subscribed(legacy, 'realtime:bytes-ü', [BINDING]);
    for (const id of [1, 2]) extension.emit(change(id));
    const expected = (vsn: Vsn, topic: string, ids: number[], id: number) =>
      Buffer.from(encodeFanoutText(vsn, JSON.stringify(topic), 'postgres_changes', JSON.stringify({ ids, data: change(id) })), 'utf8');
    const modernFrames = await modern.count(isEvent('postgres_changes'), 4);
    expect(modernFrames.map((frame) => frame.bytes)).toEqual([
      expected('2.0.0', 'realtime:bytes-a', modernIds, 1),
      expected('2.0.0', 'realtime:bytes-b', secondIds, 1),
      expected('2.0.0', 'realtime:bytes-a', modernIds, 2),
      expected('2.0.0', 'realtime:bytes-b', secondIds, 2),
    ]);
    const legacyFrames = await legacy.count(isEvent('postgres_changes'), 2);
    expect(legacyFrames.map((frame) => frame.bytes)).toEqual([expected('1.0.0', 'realtime:bytes-ü', legacyIds, 1), expected('1.0.0', 'realtime:bytes-ü', legacyIds, 2)]);
    expect(encodePush('1.0.0', null, null, 'realtime:bytes-ü', 'postgres_changes', { ids: legacyIds, data: change(1) })).toBe(legacyFrames[0]!.bytes.toString('utf8'));
  });

  it('relays a binary broadcast as the same kind-4 bytes to every 2.0.0 peer and as JSON to 1.0.0 peers', async () => {
    const topic = 'realtime:bytes-broadcast';
    const sender = await connect('2.0.0');
    const peers = [await connect('2.0.0'), await connect('2.0.0')];
    const legacy = await connect('1.0.0');
    await join(sender, topic, '1', {});
    for (const peer of [...peers, legacy]) await join(peer, topic, '1', {});
    sender.ws.send(kind3('1', '2', topic, 'shout', { text: 'ü' }));
    const kind4 = encodeUserBroadcast(topic, 'shout', 1, Buffer.from(JSON.stringify({ text: 'ü' })));
    for (const peer of peers) expect((await peer.next((frame) => frame.binary)).bytes).toEqual(kind4);
    const json = await legacy.next(isEvent('broadcast'));
    expect(json.bytes.toString('utf8')).toBe(encodePush('1.0.0', null, null, topic, 'broadcast', { type: 'broadcast', event: 'shout', payload: { text: 'ü' } }));
  });

  it("keeps a socket's frames in the order they were produced within one turn (broadcast to self, then its ack)", async () => {
    const topic = 'realtime:ordered';
    const sender = await connect('2.0.0');
    await join(sender, topic, '1', { broadcast: { self: true, ack: true } });
    // Twenty pushes sent in one go arrive in one read: the server handles them in one turn.
    for (let n = 0; n < 20; n += 1) sender.ws.send(kind3('1', String(100 + n), topic, 'e', { n }));
    const relevant = await sender.count((frame) => frame.binary || event(frame) === 'phx_reply', 41);
    const order = relevant.slice(1).map((frame) => (frame.binary ? `b${JSON.parse(frame.bytes.subarray(5 + topic.length + 1).toString()).n}` : `r${(JSON.parse(frame.bytes.toString()) as unknown[])[1]}`));
    expect(order).toEqual(Array.from({ length: 20 }, (_, n) => [`b${n}`, `r${100 + n}`]).flat());
  });

  it('cuts off a subscriber that stops reading while the others receive every change, in order', async () => {
    const healthy = [await connect('2.0.0'), await connect('1.0.0')];
    const slow = await connect('2.0.0');
    for (const [index, client] of [...healthy, slow].entries()) await subscribed(client, `realtime:slow-${index}`, [BINDING]);
    const connections = realtime.stats().connections;
    slow.ws.pause();
    const padding = 'x'.repeat(200_000);
    const total = 150;
    for (let id = 1; id <= total; id += 1) {
      extension.emit(change(id, padding));
      await turn();
    }
    for (const client of healthy) {
      const frames = await client.count(isEvent('postgres_changes'), total, 30_000);
      const ids = frames.map((frame) => {
        const json = JSON.parse(frame.bytes.toString('utf8')) as unknown[] | { payload: unknown };
        return ((Array.isArray(json) ? json[4] : json.payload) as { data: { record: { id: number } } }).data.record.id;
      });
      expect(ids).toEqual(Array.from({ length: total }, (_, k) => k + 1));
    }
    expect(realtime.stats().connections).toBe(connections - 1);
    expect(logs.some((line) => /slow consumer/.test(line))).toBe(true);
    slow.ws.resume();
    await slow.closed;
    expect(slow.frames.filter(isEvent('postgres_changes')).length).toBeLessThan(total);
  });
});
