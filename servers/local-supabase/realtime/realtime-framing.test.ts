import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signApiKey } from '../secrets.js';
import type { RealtimeServer } from './start-realtime-server.js';
import { startRealtimeServer } from './start-realtime-server.js';
import type { RawSocket } from '../../../test-support/realtime/raw-socket.js';
import { kind3, openRawSocket, payloadOf, v2 } from '../../../test-support/realtime/raw-socket.js';
import { nowSeconds, signClaims } from '../../../test-support/realtime/tokens.js';

const SECRET = 'framing-test-secret-framing-test-secret';
let server: RealtimeServer;
let anonKey: string;
const sockets: RawSocket[] = [];

beforeAll(async () => {
  server = await startRealtimeServer({ port: 0, jwtSecret: SECRET, limits: { maxChannelsPerClient: 3 } });
  anonKey = await signApiKey(SECRET, 'anon');
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await server.close();
});

async function open(vsn: '1.0.0' | '2.0.0' = '2.0.0', apikey = anonKey): Promise<RawSocket> {
  const socket = await openRawSocket(server.url, { apikey, vsn });
  sockets.push(socket);
  return socket;
}

async function join(socket: RawSocket, topic: string, joinRef: string, config: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  socket.send([joinRef, joinRef, topic, 'phx_join', { config: { broadcast: { self: false }, presence: { enabled: false }, postgres_changes: [], private: false, ...config }, ...extra }]);
  return payloadOf(await socket.next(v2('phx_reply', joinRef, topic)));
}

function upgradeRefusal(query: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/realtime/v1/websocket?${query}`);
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    ws.on('open', () => reject(new Error('upgrade unexpectedly accepted')));
    ws.on('error', () => undefined);
  });
}

describe('realtime socket framing', () => {
  it('refuses upgrades without a valid apikey JWT with HTTP 401 and the real error strings', async () => {
    expect(await upgradeRefusal('vsn=2.0.0')).toEqual({ status: 401, body: { error: 'API key is missing' } });
    expect(await upgradeRefusal('apikey=not-a-jwt&vsn=2.0.0')).toEqual({ status: 401, body: { error: 'The token provided is not a valid JWT' } });
    const foreign = await signApiKey('some-other-secret-some-other-secret', 'anon');
    expect(await upgradeRefusal(`apikey=${foreign}`)).toEqual({ status: 401, body: { error: 'Failed to validate JWT signature' } });
    const expired = await signClaims(SECRET, { role: 'anon', exp: nowSeconds() - 10 });
    expect(await upgradeRefusal(`apikey=${expired}`)).toEqual({ status: 401, body: { error: 'Token has expired' } });
    const roleless = await signClaims(SECRET, { exp: nowSeconds() + 60 });
    expect(await upgradeRefusal(`apikey=${roleless}`)).toEqual({ status: 401, body: { error: 'Fields `role` and `exp` are required in JWT' } });
  });

  it('answers heartbeats on topic phoenix with the same ref in both serializer versions', async () => {
    const modern = await open('2.0.0');
    modern.send([null, '41', 'phoenix', 'heartbeat', {}]);
    expect((await modern.next(v2('phx_reply', '41'))).json).toEqual([null, '41', 'phoenix', 'phx_reply', { status: 'ok', response: {} }]);
    const legacy = await open('1.0.0');
    legacy.send({ topic: 'phoenix', event: 'heartbeat', payload: {}, ref: '7', join_ref: null });
    const reply = await legacy.next((f) => !f.binary && (f.json as { ref?: string }).ref === '7');
    expect(reply.json).toEqual({ topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} }, ref: '7' });
  });

  it('closes only the offending connection on malformed JSON', async () => {
    const bystander = await open();
    await join(bystander, 'realtime:bystander', '1');
    const offender = await open();
    offender.ws.send('{"not": json');
    expect(await offender.closed()).toBe(1011);
    bystander.send([null, '2', 'phoenix', 'heartbeat', {}]);
    expect(payloadOf(await bystander.next(v2('phx_reply', '2'))).status).toBe('ok');
  });

  it('ignores unknown events on a joined channel without replying', async () => {
    const socket = await open();
    await join(socket, 'realtime:unknown-events', '1');
    socket.send(['1', '2', 'realtime:unknown-events', 'made_up_event', { x: 1 }]);
    socket.send([null, '3', 'phoenix', 'heartbeat', {}]);
    await socket.next(v2('phx_reply', '3'));
    expect(socket.frames.some(v2('phx_reply', '2'))).toBe(false);
  });

  it('replies "unmatched topic" to pushes on a topic the socket has not joined', async () => {
    const socket = await open();
    socket.send(['9', '10', 'realtime:never-joined', 'broadcast', { type: 'broadcast', event: 'x', payload: {} }]);
    expect(payloadOf(await socket.next(v2('phx_reply', '10')))).toEqual({ status: 'error', response: { reason: 'unmatched topic' } });
  });

  it('decodes a binary kind-3 push with non-ASCII text, acks it and relays it as kind 4 (2.0.0) and JSON (1.0.0)', async () => {
    const topic = 'realtime:sälen-🚀';
    const sender = await open();
    await join(sender, topic, '1', { broadcast: { self: false, ack: true } });
    const modern = await open('2.0.0');
    await join(modern, topic, '5');
    const legacy = await open('1.0.0');
    legacy.send({ topic, event: 'phx_join', payload: { config: {} }, ref: '3', join_ref: '3' });
    await legacy.next((f) => !f.binary && (f.json as { ref?: string }).ref === '3');

    sender.sendBinary(kind3('1', '2', topic, 'grüße', { text: 'ü ✓ 漢字' }));
    expect(payloadOf(await sender.next(v2('phx_reply', '2')))).toEqual({ status: 'ok', response: {} });

    const binary = await modern.next((f) => f.binary);
    if (!binary.binary) throw new Error('expected binary');
    const bytes = binary.bytes;
    expect(bytes[0]).toBe(4);
    const [topicLen = 0, eventLen = 0, metaLen = 0] = [bytes[1], bytes[2], bytes[3]];
    expect(bytes[4]).toBe(1);
    let offset = 5;
    expect(bytes.toString('utf8', offset, (offset += topicLen))).toBe(topic);
    expect(bytes.toString('utf8', offset, (offset += eventLen))).toBe('grüße');
    offset += metaLen;
    expect(JSON.parse(bytes.toString('utf8', offset))).toEqual({ text: 'ü ✓ 漢字' });

    const json = await legacy.next((f) => !f.binary && (f.json as { event?: string }).event === 'broadcast');
    expect(json.json).toEqual({ topic, event: 'broadcast', payload: { type: 'broadcast', event: 'grüße', payload: { text: 'ü ✓ 漢字' } }, ref: null });
    expect(sender.frames.some((f) => f.binary)).toBe(false);
  });

  it('closes the connection on a binary frame of a kind the server does not accept', async () => {
    const socket = await open();
    socket.sendBinary(Buffer.from([0, 1, 2, 3]));
    expect(await socket.closed()).toBe(1011);
  });

  it('refuses joins with the real join error reasons', async () => {
    const socket = await open();
    expect(await join(socket, 'realtime:', '1')).toEqual({ status: 'error', response: { reason: 'TopicNameRequired: You must provide a topic name' } });
    expect((await join(socket, 'realtime:a', '2', {}, { access_token: 'garbage' })).response.reason).toBe('MalformedJWT: The token provided is not a valid JWT');
    const expired = await signClaims(SECRET, { role: 'anon', exp: nowSeconds() - 30 });
    expect((await join(socket, 'realtime:a', '3', {}, { access_token: expired })).response.reason).toMatch(/^InvalidJWTToken: Token has expired \d+ seconds ago$/);
    const roleless = await signClaims(SECRET, { exp: nowSeconds() + 60 });
    expect((await join(socket, 'realtime:a', '4', {}, { access_token: roleless })).response.reason).toBe('InvalidJWTToken: Fields `role` and `exp` are required in JWT');
    expect((await join(socket, 'realtime:a', '5', { private: true })).response.reason).toBe('Unauthorized: You do not have permissions to read from this Channel topic: a');
    for (const n of [6, 7, 8]) expect((await join(socket, `realtime:c${n}`, String(n))).status).toBe('ok');
    expect((await join(socket, 'realtime:c9', '9')).response.reason).toBe('ChannelRateLimitReached: Too many channels');
  });

  it('echoes postgres_changes bindings verbatim with stable non-zero ids, then reports the missing database', async () => {
    const bindings = [
      { event: 'INSERT', schema: 'public', table: 'todos', filter: 'name=in.(red, blue)' },
      { event: '*', schema: 'public' },
    ];
    const first = await open();
    const reply = await join(first, 'realtime:pg', '1', { postgres_changes: bindings });
    expect(reply.status).toBe('ok');
    const echoed = reply.response.postgres_changes as Array<Record<string, unknown>>;
    expect(echoed.map(({ id: _id, ...rest }) => rest)).toEqual(bindings);
    for (const entry of echoed) expect(Number.isInteger(entry.id) && (entry.id as number) > 0).toBe(true);
    const again = await join(await open(), 'realtime:pg', '7', { postgres_changes: bindings });
    expect(again.response.postgres_changes).toEqual(echoed);
    expect(payloadOf(await first.next(v2('system', undefined, 'realtime:pg')))).toMatchObject({ extension: 'postgres_changes', status: 'error', channel: 'pg' });
  });

  it('answers phx_leave with ok and then phx_close carrying the join ref', async () => {
    const socket = await open();
    await join(socket, 'realtime:leaving', '4');
    socket.send(['4', '5', 'realtime:leaving', 'phx_leave', {}]);
    expect(payloadOf(await socket.next(v2('phx_reply', '5')))).toEqual({ status: 'ok', response: {} });
    expect((await socket.next(v2('phx_close'))).json).toEqual(['4', '4', 'realtime:leaving', 'phx_close', {}]);
  });

  it('closes the previous join with phx_close when the same topic is joined again', async () => {
    const socket = await open();
    await join(socket, 'realtime:twice', '1');
    expect((await join(socket, 'realtime:twice', '2')).status).toBe('ok');
    expect((await socket.next(v2('phx_close'))).json).toEqual(['1', '1', 'realtime:twice', 'phx_close', {}]);
  });

  it('answers an oversized broadcast with payload_size_exceeded and relays nothing', async () => {
    const small = await startRealtimeServer({ port: 0, jwtSecret: SECRET, limits: { maxPayloadSizeKb: 1 } });
    try {
      const sender = await openRawSocket(small.url, { apikey: anonKey, vsn: '2.0.0' });
      sockets.push(sender);
      sender.send(['1', '1', 'realtime:big', 'phx_join', { config: { broadcast: { self: true, ack: true } } }]);
      await sender.next(v2('phx_reply', '1'));
      sender.sendBinary(kind3('1', '2', 'realtime:big', 'e', { blob: 'x'.repeat(2_000) }));
      expect(payloadOf(await sender.next(v2('phx_reply', '2')))).toEqual({ status: 'error', response: 'payload_size_exceeded' });
      sender.sendBinary(kind3('1', '3', 'realtime:big', 'e', { ok: true }));
      await sender.next(v2('phx_reply', '3'));
      expect(sender.frames.filter((f) => f.binary)).toHaveLength(1);
    } finally {
      await small.close();
    }
  });

  it('survives a barrage of malformed frames while other clients keep working', async () => {
    const bystander = await open();
    await join(bystander, 'realtime:steady', '1');
    const textFrames = ['[1,2,3]', '{"a":1}', '[null,"1",5,"heartbeat",{}]', 'null', '"str"', '[null,null,"realtime:x","phx_join",null]', '["1","1","realtime:y","phx_join","not-an-object"]'];
    const binaryFrames = [Buffer.from([3, 10, 0, 0, 0, 0, 1]), Buffer.from([3]), Buffer.from([3, 0, 0, 0, 0, 0, 9]), Buffer.alloc(0)];
    const outcomes = await Promise.all(
      [...textFrames.map((t) => (s: RawSocket) => s.ws.send(t)), ...binaryFrames.map((b) => (s: RawSocket) => s.sendBinary(b))].map(async (sendBad) => {
        const socket = await open();
        sendBad(socket);
        socket.send([null, 'hb', 'phoenix', 'heartbeat', {}]);
        return Promise.race([socket.closed().then((code) => `closed ${code}`), socket.next(v2('phx_reply', 'hb')).then(() => 'alive')]);
      }),
    );
    for (const outcome of outcomes) expect(['closed 1011', 'alive']).toContain(outcome);
    bystander.send([null, 'still', 'phoenix', 'heartbeat', {}]);
    expect(payloadOf(await bystander.next(v2('phx_reply', 'still'))).status).toBe('ok');
  });
});
