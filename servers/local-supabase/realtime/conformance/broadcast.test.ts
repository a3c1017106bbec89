/**
 * Realtime conformance — broadcast: realtime-protocol.md §9 items 42–48, under vsn 1.0.0 and 2.0.0
 * (the client under test uses the vsn; peers are named where their version matters).
 *
 * Not covered: the "ack on and no reply → 'timed out'" half of item 44. The only server path
 * that withholds an ack is a private channel without write permission, and this server lets
 * exactly the roles that may join a private channel (authenticated, service_role) write to it,
 * so there is no black-box way to make it stay silent; what remains is client-only behaviour.
 */
import type { RealtimeChannel } from '@supabase/supabase-js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { subscribed } from '../../../../test-support/realtime-conformance/channel-status.js';
import { ClientPool, VSNS } from '../../../../test-support/realtime-conformance/clients.js';
import { EventLog } from '../../../../test-support/realtime-conformance/event-log.js';
import { createFrameTap, frameIs } from '../../../../test-support/realtime-conformance/frame-tap.js';
import { uniqueName } from '../../../../test-support/realtime-conformance/names.js';
import { startStack, type ConformanceStack } from '../../../../test-support/realtime-conformance/stack.js';
import { signClaims } from '../../../../test-support/realtime-conformance/tokens.js';

interface Received {
  type: string;
  event: string;
  payload: unknown;
  meta?: unknown;
}

let stack: ConformanceStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

/** Registers a broadcast listener (before subscribe) and returns what it receives. */
function listen(channel: RealtimeChannel, event = '*'): EventLog<Received> {
  const log = new EventLog<Received>(`broadcast '${event}' on ${channel.topic}`);
  channel.on('broadcast', { event }, (message) => log.push(message as Received));
  return log;
}

describe.each(VSNS)('broadcast, vsn %s', (vsn) => {
  let clients: ClientPool;
  beforeEach(() => {
    clients = new ClientPool(stack);
  });
  afterEach(async () => {
    await clients.closeAll();
  });

  it('delivers to peers but not back to the sender by default (§9.42)', async () => {
    const name = uniqueName('default');
    const sender = (await clients.make({ vsn })).channel(name);
    const peer = (await clients.make({ vsn })).channel(name);
    const atSender = listen(sender);
    const atPeer = listen(peer);
    await subscribed(sender);
    await subscribed(peer);
    expect(await sender.send({ type: 'broadcast', event: 'e', payload: { x: 1 } })).toBe('ok');
    expect(await atPeer.waitFor(() => true)).toEqual({ type: 'broadcast', event: 'e', payload: { x: 1 } });
    // Positive marker on the sender's path: a later message from the peer.
    await peer.send({ type: 'broadcast', event: 'marker', payload: {} });
    await atSender.waitFor((message) => message.event === 'marker');
    expect(atSender.items.map((message) => message.event)).toEqual(['marker']);
  });

  it('echoes to the sender with self:true (§9.43)', async () => {
    const name = uniqueName('self');
    const sender = (await clients.make({ vsn })).channel(name, { config: { broadcast: { self: true } } });
    const peer = (await clients.make({ vsn })).channel(name);
    const atSender = listen(sender);
    const atPeer = listen(peer);
    await subscribed(sender);
    await subscribed(peer);
    await sender.send({ type: 'broadcast', event: 'echo', payload: { n: 7 } });
    expect(await atSender.waitFor(() => true)).toEqual({ type: 'broadcast', event: 'echo', payload: { n: 7 } });
    expect(await atPeer.waitFor(() => true)).toEqual({ type: 'broadcast', event: 'echo', payload: { n: 7 } });
  });

  it('keeps the event name so listeners match it case-insensitively, and "*" catches all (§9.43)', async () => {
    const name = uniqueName('case');
    const sender = (await clients.make({ vsn })).channel(name);
    const peer = (await clients.make({ vsn })).channel(name);
    const shout = listen(peer, 'Shout');
    const other = listen(peer, 'other');
    const all = listen(peer, '*');
    await subscribed(sender);
    await subscribed(peer);
    await sender.send({ type: 'broadcast', event: 'SHOUT', payload: { loud: true } });
    await sender.send({ type: 'broadcast', event: 'whisper', payload: {} });
    await all.waitForCount(() => true, 2);
    expect(all.items.map((message) => message.event)).toEqual(['SHOUT', 'whisper']);
    expect(shout.items).toEqual([{ type: 'broadcast', event: 'SHOUT', payload: { loud: true } }]);
    expect(other.items).toEqual([]);
  });

  it('resolves send() with "ok" only on the server ack when ack:true (§9.44)', async () => {
    const name = uniqueName('ack');
    const tap = createFrameTap();
    const sender = (await clients.make({ vsn, tap })).channel(name, { config: { broadcast: { ack: true } } });
    const peer = (await clients.make({ vsn })).channel(name);
    const atPeer = listen(peer);
    await subscribed(sender);
    await subscribed(peer);
    const before = tap.frames.mark();
    expect(await sender.send({ type: 'broadcast', event: 'acked', payload: { a: 1 } })).toBe('ok');
    const push = tap.frames.filter((frame) => frame.dir === 'out' && frame.message?.topic === sender.topic && frame.message.event === 'broadcast', before)[0];
    expect(push?.message?.ref).toBeTruthy();
    // The ack is already in: send() resolved on it, not before.
    const ack = tap.frames.filter((frame) => frame.dir === 'in' && frame.message?.event === 'phx_reply' && frame.message.ref === push?.message?.ref, before);
    expect(ack.map((frame) => frame.message?.payload)).toEqual([{ status: 'ok', response: {} }]);
    expect(await atPeer.waitFor(() => true)).toEqual({ type: 'broadcast', event: 'acked', payload: { a: 1 } });
  });

  it('resolves send() with "ok" without an ack when ack is off, and still delivers (§9.44)', async () => {
    const name = uniqueName('no-ack');
    const sender = (await clients.make({ vsn })).channel(name, { config: { broadcast: { ack: false } } });
    const peer = (await clients.make({ vsn })).channel(name);
    const atPeer = listen(peer);
    await subscribed(sender);
    await subscribed(peer);
    expect(await sender.send({ type: 'broadcast', event: 'fire', payload: { f: 1 } })).toBe('ok');
    expect(await atPeer.waitFor(() => true)).toEqual({ type: 'broadcast', event: 'fire', payload: { f: 1 } });
  });

  it('relays a UTF-8 topic, event and payload to a 2.0.0 peer (kind 4 or JSON) and to a 1.0.0 peer as JSON text (§9.45)', async () => {
    const name = uniqueName('räum-ü');
    const senderTap = createFrameTap();
    const modernTap = createFrameTap();
    const legacyTap = createFrameTap();
    const sender = (await clients.make({ vsn, tap: senderTap })).channel(name);
    const modern = (await clients.make({ vsn: '2.0.0', tap: modernTap })).channel(name);
    const legacy = (await clients.make({ vsn: '1.0.0', tap: legacyTap })).channel(name);
    const atModern = listen(modern);
    const atLegacy = listen(legacy);
    await Promise.all([subscribed(sender), subscribed(modern), subscribed(legacy)]);
    const payload = { text: 'grüße ✓ 😀', nested: { ä: [1, 'ß'] } };
    await sender.send({ type: 'broadcast', event: 'grüß', payload });
    const expected = { type: 'broadcast', event: 'grüß', payload };
    expect(await atModern.waitFor(() => true)).toEqual(expected);
    expect(await atLegacy.waitFor(() => true)).toEqual(expected);

    const sent = senderTap.frames.items.find((frame) => frame.dir === 'out' && frame.message?.event === 'broadcast');
    expect(sent?.binary).toBe(vsn === '2.0.0');
    if (vsn === '2.0.0') expect(sent?.kind).toBe(3);
    const atModernFrame = modernTap.frames.items.find((frame) => frame.dir === 'in' && frame.message?.event === 'broadcast');
    expect(atModernFrame?.message).toMatchObject({ topic: `realtime:${name}`, payload: expected });
    if (atModernFrame?.binary) expect(atModernFrame.kind).toBe(4);
    const atLegacyFrames = legacyTap.frames.filter((frame) => frame.dir === 'in');
    expect(atLegacyFrames.every((frame) => !frame.binary && frame.form === 'object')).toBe(true);
    expect(atLegacyFrames.find(frameIs('in', 'broadcast'))?.message).toMatchObject({ topic: `realtime:${name}`, payload: expected });
  });

  it('delivers send() on an unjoined channel through the REST fallback (§9.46)', async () => {
    const name = uniqueName('fallback');
    const receiver = (await clients.make({ vsn })).channel(name);
    const atReceiver = listen(receiver);
    await subscribed(receiver);
    const unjoined = (await clients.make({ vsn })).channel(name);
    expect(await unjoined.send({ type: 'broadcast', event: 'rest', payload: { via: 'http' } })).toBe('ok');
    expect(await atReceiver.waitFor(() => true)).toMatchObject({ type: 'broadcast', event: 'rest', payload: { via: 'http' } });
  });

  it('accepts httpSend() with 202 and delivers it to subscribers (§9.47)', async () => {
    const name = uniqueName('http-send');
    const receiver = (await clients.make({ vsn })).channel(name);
    const atReceiver = listen(receiver, 'e');
    await subscribed(receiver);
    const sender = (await clients.make({ vsn })).channel(name);
    await expect(sender.httpSend('e', { y: 2 })).resolves.toEqual({ success: true });
    expect(await atReceiver.waitFor(() => true)).toMatchObject({ type: 'broadcast', event: 'e', payload: { y: 2 } });
  });

  it('refuses REST broadcasts with missing or invalid auth with 401 (§9.47)', async () => {
    const badKey = await signClaims('another-secret-another-secret-123', { role: 'anon', exp: Math.floor(Date.now() / 1000) + 3600 });
    const outsider = (await clients.make({ vsn, key: badKey })).channel(uniqueName('unauthorized'));
    await expect(outsider.httpSend('e', { y: 2 })).rejects.toThrow(/Unauthorized/);
    expect(await outsider.send({ type: 'broadcast', event: 'e', payload: { y: 2 } })).toBe('error');
    const anonymous = await fetch(`${stack.url}/realtime/v1/api/broadcast`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ topic: 'x', event: 'e', payload: {} }] }),
    });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ message: 'Unauthorized' });
  });

  it('keeps public and private channels of the same name apart (§9.48)', async () => {
    const name = uniqueName('isolated');
    const publicSide = await clients.make({ vsn });
    const privateSide = await clients.make({ vsn, key: stack.serviceKey });
    const publicSender = publicSide.channel(name);
    const publicReceiver = (await clients.make({ vsn })).channel(name);
    const privateSender = privateSide.channel(name, { config: { private: true } });
    const privateReceiver = (await clients.make({ vsn, key: stack.serviceKey })).channel(name, { config: { private: true } });
    const atPublic = listen(publicReceiver);
    const atPrivate = listen(privateReceiver);
    await Promise.all([subscribed(publicSender), subscribed(publicReceiver), subscribed(privateSender), subscribed(privateReceiver)]);
    await privateSender.send({ type: 'broadcast', event: 'private-1', payload: {} });
    await publicSender.send({ type: 'broadcast', event: 'public-1', payload: {} });
    await atPrivate.waitFor((message) => message.event === 'private-1');
    await atPublic.waitFor((message) => message.event === 'public-1');
    // Markers on each path, sent after the cross-traffic would have been routed.
    await privateSender.send({ type: 'broadcast', event: 'private-2', payload: {} });
    await publicSender.send({ type: 'broadcast', event: 'public-2', payload: {} });
    await atPrivate.waitFor((message) => message.event === 'private-2');
    await atPublic.waitFor((message) => message.event === 'public-2');
    expect(atPrivate.items.map((message) => message.event)).toEqual(['private-1', 'private-2']);
    expect(atPublic.items.map((message) => message.event)).toEqual(['public-1', 'public-2']);
  });
});
