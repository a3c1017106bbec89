import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import { createClient } from '@supabase/supabase-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signApiKey } from '../secrets.js';
import type { RealtimeServer } from './start-realtime-server.js';
import { startRealtimeServer } from './start-realtime-server.js';

const SECRET = 'client-test-secret-client-test-secret';
let server: RealtimeServer;
let anonKey: string;
const clients: SupabaseClient[] = [];

beforeAll(async () => {
  server = await startRealtimeServer({ port: 0, jwtSecret: SECRET });
  anonKey = await signApiKey(SECRET, 'anon');
});
afterEach(async () => {
  await Promise.all(
    clients.splice(0).map(async (created) => {
      await created.removeAllChannels();
      created.realtime.disconnect();
    }),
  );
});
afterAll(async () => {
  await server.close();
});

function client(vsn: '1.0.0' | '2.0.0' = '2.0.0', key = anonKey): SupabaseClient {
  const created = createClient(server.url, key, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as never, vsn },
  });
  clients.push(created);
  return created;
}

function subscribed(channel: RealtimeChannel): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.subscribe((status, error) => {
      if (status === 'SUBSCRIBED') resolve();
      else if (status !== 'CLOSED') reject(error ?? new Error(status));
    });
  });
}

function nextBroadcast(channel: RealtimeChannel, event: string): Promise<unknown> {
  return new Promise((resolve) => channel.on('broadcast', { event }, (message) => resolve(message)));
}

describe('realtime with the official supabase-js client', () => {
  it.each(['2.0.0', '1.0.0'] as const)('subscribes a channel with vsn %s', async (vsn) => {
    await subscribed(client(vsn).channel(`smoke-${vsn}`));
    expect(server.realtime.stats().channels).toBeGreaterThanOrEqual(1);
  });

  it('delivers broadcasts to peers of both versions and to the sender with self + ack', async () => {
    const sender = client('2.0.0').channel('room-a', { config: { broadcast: { self: true, ack: true } } });
    const modern = client('2.0.0').channel('room-a');
    const legacy = client('1.0.0').channel('room-a');
    const received = [nextBroadcast(sender, 'Shout'), nextBroadcast(modern, 'shout'), nextBroadcast(legacy, 'SHOUT')];
    await Promise.all([subscribed(sender), subscribed(modern), subscribed(legacy)]);
    expect(await sender.send({ type: 'broadcast', event: 'shout', payload: { text: 'grüße ✓' } })).toBe('ok');
    for (const message of await Promise.all(received)) {
      expect(message).toMatchObject({ type: 'broadcast', event: 'shout', payload: { text: 'grüße ✓' } });
    }
  });

  it('keeps public and private rooms of the same name apart', async () => {
    const serviceKey = await signApiKey(SECRET, 'service_role');
    const publicPeer = client().channel('shared');
    const privatePeer = client('2.0.0', serviceKey).channel('shared', { config: { private: true } });
    const sender = client('2.0.0', serviceKey).channel('shared', { config: { private: true, broadcast: { ack: true } } });
    let leaked = false;
    publicPeer.on('broadcast', { event: '*' }, () => (leaked = true));
    const privateMessage = nextBroadcast(privatePeer, 'secret');
    await Promise.all([subscribed(publicPeer), subscribed(privatePeer), subscribed(sender)]);
    expect(await sender.send({ type: 'broadcast', event: 'secret', payload: { n: 1 } })).toBe('ok');
    await privateMessage;
    expect(leaked).toBe(false);
  });

  it('shows each tracked member to everyone, including itself, and the leave after untrack', async () => {
    const alice = client().channel('lobby', { config: { presence: { key: 'alice' } } });
    const bob = client('1.0.0').channel('lobby', { config: { presence: { key: 'bob' } } });
    const bobSeesAlice = new Promise<unknown>((resolve) =>
      bob.on('presence', { event: 'join' }, ({ key, newPresences }) => key === 'alice' && resolve(newPresences)),
    );
    const aliceSeesSelf = new Promise<void>((resolve) => alice.on('presence', { event: 'join' }, ({ key }) => key === 'alice' && resolve()));
    const bobSeesLeave = new Promise<void>((resolve) => bob.on('presence', { event: 'leave' }, ({ key }) => key === 'alice' && resolve()));
    await Promise.all([subscribed(alice), subscribed(bob)]);
    expect(await alice.track({ mood: 'ok' })).toBe('ok');
    expect(await bobSeesAlice).toEqual([expect.objectContaining({ mood: 'ok', presence_ref: expect.any(String) })]);
    await aliceSeesSelf;
    expect(alice.presenceState().alice).toHaveLength(1);
    expect(await alice.untrack()).toBe('ok');
    await bobSeesLeave;
  });

  it('relays httpSend through the REST endpoint and rejects a bad key', async () => {
    const listener = client().channel('rest-room');
    const message = nextBroadcast(listener, 'ping');
    await subscribed(listener);
    await expect(client().channel('rest-room').httpSend('ping', { n: 7 })).resolves.toEqual({ success: true });
    expect(await message).toMatchObject({ event: 'ping', payload: { n: 7 } });
    const stranger = await signApiKey('another-secret-another-secret-xx', 'anon');
    await expect(client('2.0.0', stranger).channel('rest-room').httpSend('ping', { n: 8 })).rejects.toThrow('Unauthorized');
  });
});
