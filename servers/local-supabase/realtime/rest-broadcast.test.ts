import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signApiKey } from '../secrets.js';
import type { RealtimeServer } from './start-realtime-server.js';
import { startRealtimeServer } from './start-realtime-server.js';
import type { RawSocket } from '../../../test-support/realtime/raw-socket.js';
import { openRawSocket, payloadOf, v2 } from '../../../test-support/realtime/raw-socket.js';

const SECRET = 'rest-test-secret-rest-test-secret-xx';
let server: RealtimeServer;
let anonKey: string;
let listener: RawSocket;

beforeAll(async () => {
  server = await startRealtimeServer({ port: 0, jwtSecret: SECRET, limits: { maxPayloadSizeKb: 1 } });
  anonKey = await signApiKey(SECRET, 'anon');
  listener = await openRawSocket(server.url, { apikey: anonKey, vsn: '2.0.0' });
  listener.send(['1', '1', 'realtime:news', 'phx_join', { config: {} }]);
  await listener.next(v2('phx_reply', '1'));
});
afterAll(async () => {
  listener.close();
  await server.close();
});

function post(path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${path}`, { method: 'POST', body, headers: { apikey: anonKey, 'content-type': 'application/json', ...headers } });
}

describe('REST broadcast endpoints', () => {
  it('accepts a batch with 202 and delivers every message as a JSON broadcast', async () => {
    const response = await post('/realtime/v1/api/broadcast?apikey=x&vsn=2.0.0', JSON.stringify({ messages: [{ topic: 'news', event: 'headline', payload: { n: 1 }, private: false }] }));
    expect(response.status).toBe(202);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const frame = await listener.next(v2('broadcast'));
    expect(frame.json).toEqual([null, null, 'realtime:news', 'broadcast', { type: 'broadcast', event: 'headline', payload: { n: 1 } }]);
  });

  it('answers 401 {"message":"Unauthorized"} without a valid token', async () => {
    const response = await post('/realtime/v1/api/broadcast', '{"messages":[]}', { apikey: 'nope' });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: 'Unauthorized' });
  });

  it('answers 422 to malformed batches and oversized payloads', async () => {
    expect((await post('/realtime/v1/api/broadcast', JSON.stringify({ messages: [{ topic: 'news' }] }))).status).toBe(422);
    const big = { messages: [{ topic: 'news', event: 'e', payload: { blob: 'x'.repeat(1_200) } }] };
    const response = await post('/realtime/v1/api/broadcast', JSON.stringify(big));
    expect(response.status).toBe(422);
    expect(JSON.stringify(await response.json())).toContain('Payload size exceeds tenant limit');
  });

  it('answers 415 to the single-event endpoint with an unsupported content type, 202 otherwise', async () => {
    const refused = await post('/realtime/v1/api/broadcast/news/events/alert', 'hi', { 'content-type': 'text/plain' });
    expect(refused.status).toBe(415);
    expect(await refused.json()).toEqual({ error: 'Unsupported Media Type. Use application/json or application/octet-stream' });
    const accepted = await post('/realtime/v1/api/broadcast/news/events/alert', JSON.stringify({ level: 'high' }), { authorization: `Bearer ${anonKey}` });
    expect(accepted.status).toBe(202);
    const alert = await listener.next((f) => v2('broadcast')(f) && payloadOf(f).event === 'alert');
    expect(payloadOf(alert)).toEqual({ type: 'broadcast', event: 'alert', payload: { level: 'high' } });
  });

  it('answers CORS preflights', async () => {
    const response = await fetch(`${server.url}/realtime/v1/api/broadcast`, { method: 'OPTIONS' });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-headers')).toContain('apikey');
  });
});
