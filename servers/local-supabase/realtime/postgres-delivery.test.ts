import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresChangeData } from './postgres-changes/contract.js';
import type { Realtime } from './realtime.js';
import { mountRealtime, type MountedRealtime } from '../../../test-support/realtime/mounted-realtime.js';
import type { RawSocket } from '../../../test-support/realtime/raw-socket.js';
import { openRawSocket, payloadOf, v2 } from '../../../test-support/realtime/raw-socket.js';
import { ScriptedPostgresChanges } from '../../../test-support/realtime/scripted-postgres-changes.js';

const SECRET = 'pg-delivery-secret-pg-delivery-secret';
const BINDINGS = [{ event: 'INSERT', schema: 'public', table: 'cache_metrics' }];
const extension = new ScriptedPostgresChanges();
let mounted: MountedRealtime;
let realtime: Realtime;
let url: string;
let anonKey: string;
const sockets: RawSocket[] = [];

function change(id: number): PostgresChangeData {
  return { schema: 'public', table: 'cache_metrics', type: 'INSERT', commit_timestamp: '2026-01-01T00:00:00.000Z', columns: [{ name: 'id', type: 'int8' }], record: { id, label: 'ü' }, errors: null };
}

beforeAll(async () => {
  mounted = await mountRealtime({ jwtSecret: SECRET, postgresChanges: extension });
  ({ realtime, url, anonKey } = mounted);
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await mounted.close();
});

async function subscriber(vsn: '1.0.0' | '2.0.0', topic: string): Promise<{ socket: RawSocket; ids: number[] }> {
  const socket = await openRawSocket(url, { apikey: anonKey, vsn });
  sockets.push(socket);
  const join = { config: { postgres_changes: BINDINGS } };
  if (vsn === '2.0.0') socket.send(['1', '1', topic, 'phx_join', join]);
  else socket.send({ topic, event: 'phx_join', payload: join, ref: '1', join_ref: '1' });
  const reply = await socket.next((f) => (vsn === '2.0.0' ? v2('phx_reply', '1')(f) : (f.json as { ref?: string }).ref === '1'));
  const response = vsn === '2.0.0' ? payloadOf(reply).response : (reply.json as { payload: { response: any } }).payload.response;
  return { socket, ids: response.postgres_changes.map((b: { id: number }) => b.id) };
}

describe('postgres_changes delivery through the socket layer', () => {
  it('confirms the subscription and frames each change with the binding ids in both versions', async () => {
    const modern = await subscriber('2.0.0', 'realtime:metrics');
    const legacy = await subscriber('1.0.0', 'realtime:metrics');
    expect(payloadOf(await modern.socket.next(v2('system')))).toEqual({ extension: 'postgres_changes', status: 'ok', message: 'Subscribed to PostgreSQL', channel: 'metrics' });
    extension.emit(change(1));
    expect((await modern.socket.next(v2('postgres_changes'))).json).toEqual([null, null, 'realtime:metrics', 'postgres_changes', { ids: modern.ids, data: change(1) }]);
    const legacyFrame = await legacy.socket.next((f) => (f.json as { event?: string }).event === 'postgres_changes');
    expect(legacyFrame.json).toEqual({ topic: 'realtime:metrics', event: 'postgres_changes', payload: { ids: legacy.ids, data: change(1) }, ref: null });
  });

  it('drops every delivery while the fault rate is 1 and none after it returns to 0', async () => {
    const { socket } = await subscriber('2.0.0', 'realtime:faulty');
    realtime.faults.dropPostgresChangesRate(1);
    extension.emit(change(2));
    realtime.faults.dropPostgresChangesRate(0);
    extension.emit(change(3));
    const frame = await socket.next(v2('postgres_changes'));
    expect(payloadOf(frame).data.record.id).toBe(3);
    expect(socket.frames.filter(v2('postgres_changes'))).toHaveLength(1);
  });

  it('unsubscribes from the extension when the channel leaves', async () => {
    const { socket } = await subscriber('2.0.0', 'realtime:leaver');
    const before = extension.unsubscribed.length;
    socket.send(['1', '2', 'realtime:leaver', 'phx_leave', {}]);
    await socket.next(v2('phx_close'));
    expect(extension.unsubscribed.length).toBe(before + 1);
  });

  it('holds the join reply until the subscription is live when postgres_changes_options.wait is set', async () => {
    extension.outcome = 'later';
    try {
      const socket = await openRawSocket(url, { apikey: anonKey, vsn: '2.0.0' });
      sockets.push(socket);
      socket.send(['5', '5', 'realtime:waiting', 'phx_join', { config: { postgres_changes: BINDINGS, postgres_changes_options: { wait: true, timeout: 5_000 } } }]);
      socket.send([null, '6', 'phoenix', 'heartbeat', {}]);
      await socket.next(v2('phx_reply', '6'));
      expect(socket.frames.some(v2('phx_reply', '5'))).toBe(false);
      extension.settle({ status: 'ok', message: 'Subscribed to PostgreSQL' });
      expect(payloadOf(await socket.next(v2('phx_reply', '5'))).status).toBe('ok');
      expect(payloadOf(await socket.next(v2('system'))).message).toBe('Subscribed to PostgreSQL');
    } finally {
      extension.outcome = { status: 'ok', message: 'Subscribed to PostgreSQL' };
    }
  });

  it('refuses a waiting join whose subscription fails', async () => {
    extension.outcome = { status: 'error', message: 'Error parsing `filter` params: ["foo", "1"]' };
    try {
      const socket = await openRawSocket(url, { apikey: anonKey, vsn: '2.0.0' });
      sockets.push(socket);
      socket.send(['5', '5', 'realtime:refused', 'phx_join', { config: { postgres_changes: BINDINGS, postgres_changes_options: { wait: true } } }]);
      expect(payloadOf(await socket.next(v2('phx_reply', '5')))).toEqual({
        status: 'error',
        response: { reason: 'RealtimeDisabledForConfiguration: Error parsing `filter` params: ["foo", "1"]' },
      });
    } finally {
      extension.outcome = { status: 'ok', message: 'Subscribed to PostgreSQL' };
    }
  });
});
