/**
 * Token checks in Supabase's order (JwtVerification.verify → ChannelsAuthorization.authorize_conn →
 * realtime_channel.ex confirm_token): format, signature, `exp`, then the required `role`/`exp`
 * claims; and the `access_token` push (handle_in "access_token"), where only `null`, the same
 * token and `sb_…` keys are ignored. Raw Phoenix frames, as upstream's own channel tests push them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signApiKey } from '../secrets.js';
import type { RealtimeServer } from './start-realtime-server.js';
import { startRealtimeServer } from './start-realtime-server.js';
import type { RawSocket } from '../../../test-support/realtime/raw-socket.js';
import { openRawSocket, payloadOf, v2 } from '../../../test-support/realtime/raw-socket.js';
import { nowSeconds, signClaims } from '../../../test-support/realtime/tokens.js';

const SECRET = 'token-checks-secret-token-checks-secret';
let server: RealtimeServer;
let anonKey: string;
const sockets: RawSocket[] = [];

beforeAll(async () => {
  server = await startRealtimeServer({ port: 0, jwtSecret: SECRET });
  anonKey = await signApiKey(SECRET, 'anon');
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await server.close();
});

async function joined(topic: string, extra: Record<string, unknown> = {}) {
  const socket = await openRawSocket(server.url, { apikey: anonKey, vsn: '2.0.0' });
  sockets.push(socket);
  socket.send(['1', '1', topic, 'phx_join', { config: { broadcast: { self: false }, presence: { enabled: false }, postgres_changes: [], private: false }, ...extra }]);
  return { socket, reply: payloadOf(await socket.next(v2('phx_reply', '1', topic))) };
}

describe('token checks in Supabase order', () => {
  it('says an expired token without a role "has expired N seconds ago" (exp is checked before the required claims)', async () => {
    const token = await signClaims(SECRET, { sub: 'u', exp: nowSeconds() - 30 });
    const { reply } = await joined('realtime:expired-roleless', { access_token: token });
    expect(reply.status).toBe('error');
    expect(reply.response.reason).toMatch(/^InvalidJWTToken: Token has expired (3\d) seconds ago$/);
  });

  it('still asks for `role` and `exp` on a live token without a role', async () => {
    const token = await signClaims(SECRET, { sub: 'u', exp: nowSeconds() + 60 });
    const { reply } = await joined('realtime:live-roleless', { access_token: token });
    expect(reply.response.reason).toBe('InvalidJWTToken: Fields `role` and `exp` are required in JWT');
  });

  it('closes the channel on an empty-string access_token push with "The token provided is not a valid JWT"', async () => {
    const { socket, reply } = await joined('realtime:empty-push');
    expect(reply.status).toBe('ok');
    socket.send(['1', '2', 'realtime:empty-push', 'access_token', { access_token: '' }]);
    expect(payloadOf(await socket.next(v2('system', undefined, 'realtime:empty-push')))).toMatchObject({ extension: 'system', status: 'error', message: 'The token provided is not a valid JWT' });
    await socket.next(v2('phx_close', '1', 'realtime:empty-push'));
  });

  it('ignores a null access_token push (the channel stays joined)', async () => {
    const { socket } = await joined('realtime:null-push');
    socket.send(['1', '2', 'realtime:null-push', 'access_token', { access_token: null }]);
    // The heartbeat reply is the marker: the server has handled the push before it.
    socket.send([null, '4', 'phoenix', 'heartbeat', {}]);
    await socket.next(v2('phx_reply', '4', 'phoenix'));
    expect(socket.frames.some(v2('phx_close', undefined, 'realtime:null-push'))).toBe(false);
    expect(socket.frames.some(v2('system', undefined, 'realtime:null-push'))).toBe(false);
  });
});
