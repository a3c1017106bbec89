/**
 * Realtime conformance — presence: realtime-protocol.md §9 items 49–52, under vsn 1.0.0 and 2.0.0.
 * Every client in a case uses the vsn under test. Nothing skipped.
 */
import type { RealtimeChannel, RealtimePresenceJoinPayload, RealtimePresenceLeavePayload } from '@supabase/supabase-js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { subscribeLogged, subscribed, waitForStatus } from '../../../../test-support/realtime-conformance/channel-status.js';
import { ClientPool, VSNS } from '../../../../test-support/realtime-conformance/clients.js';
import { EventLog } from '../../../../test-support/realtime-conformance/event-log.js';
import { createFrameTap, frameIs } from '../../../../test-support/realtime-conformance/frame-tap.js';
import { uniqueName } from '../../../../test-support/realtime-conformance/names.js';
import type { SystemMessage } from '../../../../test-support/realtime-conformance/postgres-subscription.js';
import { startStack, type ConformanceStack } from '../../../../test-support/realtime-conformance/stack.js';

type Meta = Record<string, unknown> & { presence_ref: string };
type PresenceEvent =
  | { event: 'sync'; state: Record<string, Meta[]> }
  | (RealtimePresenceJoinPayload<Record<string, unknown>> & { event: 'join' })
  | (RealtimePresenceLeavePayload<Record<string, unknown>> & { event: 'leave' });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let stack: ConformanceStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

/** Registers sync/join/leave listeners (before subscribe) and logs them in arrival order. */
function watchPresence(channel: RealtimeChannel): EventLog<PresenceEvent> {
  const log = new EventLog<PresenceEvent>(`presence on ${channel.topic}`);
  channel.on('presence', { event: 'sync' }, () => log.push({ event: 'sync', state: channel.presenceState() as Record<string, Meta[]> }));
  channel.on('presence', { event: 'join' }, (payload) => log.push({ ...payload, event: 'join' }));
  channel.on('presence', { event: 'leave' }, (payload) => log.push({ ...payload, event: 'leave' }));
  return log;
}

const joinOf = (key: string) => (entry: PresenceEvent) => entry.event === 'join' && entry.key === key;
const leaveOf = (key: string) => (entry: PresenceEvent) => entry.event === 'leave' && entry.key === key;

describe.each(VSNS)('presence, vsn %s', (vsn) => {
  let clients: ClientPool;
  beforeEach(() => {
    clients = new ClientPool(stack);
  });
  afterEach(async () => {
    await clients.closeAll();
  });

  it('sends an empty presence_state after the join reply, so sync fires with {} (§9.49)', async () => {
    const tap = createFrameTap();
    const channel = (await clients.make({ vsn, tap })).channel(uniqueName('empty'));
    const presence = watchPresence(channel);
    await subscribed(channel);
    expect(await presence.waitFor((entry) => entry.event === 'sync')).toEqual({ event: 'sync', state: {} });
    const join = tap.frames.items.findIndex(frameIs('out', 'phx_join', channel.topic));
    const reply = tap.frames.items.findIndex((frame) => frame.dir === 'in' && frame.message?.event === 'phx_reply' && frame.message.ref === tap.frames.items[join]?.message?.ref);
    const state = tap.frames.items.findIndex(frameIs('in', 'presence_state', channel.topic));
    expect(reply).toBeGreaterThan(join);
    expect(state).toBeGreaterThan(reply);
    expect(tap.frames.items[state]?.message?.payload).toEqual({});
  });

  it('gives a late joiner the existing members in presence_state (§9.49)', async () => {
    const name = uniqueName('late');
    const early = (await clients.make({ vsn })).channel(name, { config: { presence: { key: 'early' } } });
    watchPresence(early);
    await subscribed(early);
    expect(await early.track({ user: 'early', n: 1 })).toBe('ok');
    const late = (await clients.make({ vsn })).channel(name, { config: { presence: { key: 'late' } } });
    const atLate = watchPresence(late);
    await subscribed(late);
    const sync = await atLate.waitFor((entry) => entry.event === 'sync');
    expect(sync).toEqual({ event: 'sync', state: { early: [{ user: 'early', n: 1, presence_ref: expect.any(String) }] } });
  });

  it('resolves track() with "ok" and announces the join to every member, the tracker included (§9.50)', async () => {
    const name = uniqueName('track');
    const alice = (await clients.make({ vsn })).channel(name, { config: { presence: { key: 'alice' } } });
    const bob = (await clients.make({ vsn })).channel(name, { config: { presence: { key: 'bob' } } });
    const atAlice = watchPresence(alice);
    const atBob = watchPresence(bob);
    await subscribed(alice);
    await subscribed(bob);
    expect(await alice.track({ status: 'online', at: 'ü' })).toBe('ok');
    for (const log of [atAlice, atBob]) {
      const join = await log.waitFor(joinOf('alice'));
      expect(join).toMatchObject({ key: 'alice', currentPresences: [], newPresences: [{ status: 'online', at: 'ü', presence_ref: expect.any(String) }] });
    }
    const refAtAlice = (alice.presenceState().alice as Meta[] | undefined)?.[0]?.presence_ref;
    const refAtBob = (bob.presenceState().alice as Meta[] | undefined)?.[0]?.presence_ref;
    expect(refAtAlice).toBeTruthy();
    expect(refAtAlice).toBe(refAtBob);
  });

  it('keys presences by a server-generated UUID when the client gives no key (§9.50)', async () => {
    const name = uniqueName('uuid-key');
    const anonymous = (await clients.make({ vsn })).channel(name);
    const watcher = (await clients.make({ vsn })).channel(name, { config: { presence: { key: 'watcher' } } });
    watchPresence(anonymous);
    const atWatcher = watchPresence(watcher);
    await subscribed(anonymous);
    await subscribed(watcher);
    expect(await anonymous.track({ who: 'nobody' })).toBe('ok');
    const join = await atWatcher.waitFor((entry) => entry.event === 'join');
    expect(join.event === 'join' && join.key).toMatch(UUID);
    expect(join).toMatchObject({ newPresences: [{ who: 'nobody', presence_ref: expect.any(String) }] });
  });

  it('turns a re-track into join + leave and keeps a single meta (§9.51)', async () => {
    const name = uniqueName('retrack');
    const tracker = (await clients.make({ vsn })).channel(name, { config: { presence: { key: 'k' } } });
    const watcher = (await clients.make({ vsn })).channel(name, { config: { presence: { key: 'w' } } });
    watchPresence(tracker);
    const atWatcher = watchPresence(watcher);
    await subscribed(tracker);
    await subscribed(watcher);
    await tracker.track({ v: 1 });
    await atWatcher.waitFor(joinOf('k'));
    const mark = atWatcher.mark();
    expect(await tracker.track({ v: 2 })).toBe('ok');
    const join = await atWatcher.waitFor(joinOf('k'), { after: mark });
    const leave = await atWatcher.waitFor(leaveOf('k'), { after: mark });
    expect(join).toMatchObject({ newPresences: [{ v: 2 }] });
    expect(leave).toMatchObject({ leftPresences: [{ v: 1 }] });
    await atWatcher.waitFor((entry) => entry.event === 'sync', { after: atWatcher.items.indexOf(leave) });
    expect(watcher.presenceState().k).toEqual([{ v: 2, presence_ref: expect.any(String) }]);
  });

  it('announces untrack() as a leave to the remaining members (§9.51)', async () => {
    const name = uniqueName('untrack');
    const tracker = (await clients.make({ vsn })).channel(name, { config: { presence: { key: 'gone' } } });
    const watcher = (await clients.make({ vsn })).channel(name, { config: { presence: { key: 'stays' } } });
    watchPresence(tracker);
    const atWatcher = watchPresence(watcher);
    await subscribed(tracker);
    await subscribed(watcher);
    await tracker.track({ here: true });
    await atWatcher.waitFor(joinOf('gone'));
    expect(await tracker.untrack()).toBe('ok');
    const leave = await atWatcher.waitFor(leaveOf('gone'));
    expect(leave).toMatchObject({ currentPresences: [], leftPresences: [{ here: true, presence_ref: expect.any(String) }] });
    await atWatcher.waitFor((entry) => entry.event === 'sync', { after: atWatcher.items.indexOf(leave) });
    expect(watcher.presenceState()).toEqual({});
  });

  it('announces a peer disconnect as a leave to the remaining members (§9.51)', async () => {
    const name = uniqueName('disconnect');
    const peerClient = await clients.make({ vsn });
    const peer = peerClient.channel(name, { config: { presence: { key: 'peer' } } });
    const watcher = (await clients.make({ vsn })).channel(name, { config: { presence: { key: 'watcher' } } });
    watchPresence(peer);
    const atWatcher = watchPresence(watcher);
    await subscribed(peer);
    await subscribed(watcher);
    await peer.track({ online: true });
    await atWatcher.waitFor(joinOf('peer'));
    await peerClient.realtime.disconnect();
    const leave = await atWatcher.waitFor(leaveOf('peer'));
    expect(leave).toMatchObject({ leftPresences: [{ online: true, presence_ref: expect.any(String) }] });
  });

  it('closes the channel with "Client presence rate limit exceeded" on the sixth track within 30 s (§9.52)', async () => {
    const channel = (await clients.make({ vsn, timeout: 3_000 })).channel(uniqueName('rate'), { config: { presence: { key: 'busy' } } });
    const system = new EventLog<SystemMessage>('system');
    channel.on('system', {}, (message: SystemMessage) => system.push(message));
    watchPresence(channel);
    const statuses = subscribeLogged(channel);
    await waitForStatus(statuses, 'SUBSCRIBED');
    for (let n = 1; n <= 5; n += 1) expect(await channel.track({ n })).toBe('ok');
    void channel.track({ n: 6 });
    expect(await system.waitFor((message) => message.status === 'error')).toMatchObject({
      extension: 'system',
      status: 'error',
      message: 'Client presence rate limit exceeded',
    });
    await waitForStatus(statuses, 'CLOSED');
    expect(statuses.count((entry) => entry.status === 'CHANNEL_ERROR')).toBe(0);
  });
});
