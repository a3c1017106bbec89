import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlApi } from './control-api.js';
import { createRealtime, type Realtime } from './realtime/realtime.js';
import { signApiKey } from './secrets.js';

const SECRET = 'control-api-test-secret-0123456789abcdef0123';
let realtime: Realtime;
let server: http.Server;
let url: string;
let serviceKey: string;

beforeAll(async () => {
  realtime = createRealtime({ jwtSecret: SECRET });
  const api = createControlApi(realtime, { outage: false }, SECRET);
  server = http.createServer((req, res) => void api.handleHttp(req, res).then((handled) => handled || res.writeHead(404).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/__switchyard/realtime`;
  serviceKey = await signApiKey(SECRET, 'service_role');
});

afterAll(async () => {
  await realtime.close();
  await new Promise((resolve) => server.close(resolve));
});

const post = (body: unknown, key: string | null = serviceKey) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: JSON.stringify(body) });

describe('the Realtime drill controls (POST /__switchyard/realtime)', () => {
  it('applies a failure mode and says what it did', async () => {
    const response = await post({ action: 'limit', kind: 'tenant_events' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ limit: 'tenant_events', hit: 0 });
    expect(await (await post({ action: 'refuse-joins', count: 2 })).json()).toEqual({ refuseJoins: 2 });
    expect(await (await post({ action: 'clear' })).json()).toEqual({ cleared: true });
  });

  it('answers a bad body with 400 naming the field', async () => {
    const response = await post({ action: 'refuse-joins', count: -1 });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'invalid_body', message: expect.stringContaining('count:') } });
    const unknownKind = await post({ action: 'limit', kind: 'too_many_cats' });
    expect(unknownKind.status).toBe(400);
    expect(((await unknownKind.json()) as { error: { message: string } }).error.message).toMatch(/^kind:/);
  });

  it('refuses a caller without the service role', async () => {
    const anon = await post({ action: 'clear' }, await signApiKey(SECRET, 'anon'));
    expect(anon.status).toBe(401);
    expect(await anon.json()).toEqual({ error: { code: 'unauthorized', message: 'service_role bearer required' } });
  });
});
