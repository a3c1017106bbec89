import type { JoinedChannel } from './channel.js';
import { TOPIC_PREFIX, roomKeyOf, untilDatabaseReady } from './channel.js';
import type { DatabaseMessage } from './database-broadcast/message.js';
import { FanoutFrame } from './fanout-frame.js';
import { countDelivered } from './message-rate.js';
import type { RealtimeContext } from './realtime-context.js';
import { ENCODING_BINARY, ENCODING_JSON, encodeFanoutText, encodeUserBroadcast } from './serializer.js';

/**
 * A database message as Realtime sends it: kind-4 user broadcast with `{id}` metadata to 2.0.0
 * clients, a JSON `broadcast` `{type, event, payload, meta}` to 1.0.0 clients (JSON payloads only).
 * supabase-js shows both as `{ type: 'broadcast', event, payload, meta: { id, replayed? } }`.
 */
export function databaseMessageFrame(message: DatabaseMessage, replayed: boolean): FanoutFrame {
  const topic = TOPIC_PREFIX + message.topic;
  const meta = JSON.stringify(replayed ? { replayed: true, id: message.id } : { id: message.id });
  return new FanoutFrame((vsn) => {
    if (vsn === '2.0.0') {
      const payload = message.binaryPayload ?? Buffer.from(message.payloadJson ?? 'null', 'utf8');
      return { data: encodeUserBroadcast(topic, message.event, message.binaryPayload ? ENCODING_BINARY : ENCODING_JSON, payload, meta), binary: true };
    }
    if (message.payloadJson === null) return null;
    const body = `{"type":"broadcast","event":${JSON.stringify(message.event)},"payload":${message.payloadJson},"meta":${meta}}`;
    return { data: Buffer.from(encodeFanoutText(vsn, JSON.stringify(topic), 'broadcast', body), 'utf8'), binary: false };
  });
}

/**
 * Fans a committed database message out to its room (public and private rooms of one name are
 * apart, so a public message never reaches private subscribers). Private members need the read
 * policy; a message already replayed to a member at its join is not sent to it again.
 */
export function deliverDatabaseMessage(ctx: RealtimeContext, message: DatabaseMessage): void {
  const room = ctx.hub.get(roomKeyOf(TOPIC_PREFIX + message.topic, message.private));
  if (!room) return;
  const frame = databaseMessageFrame(message, false);
  let delivered = 0;
  for (const member of room.members) {
    if (member.closed || !mayReceive(member) || untilDatabaseReady(member) > 0) continue;
    if (member.replayedIds?.delete(message.id)) continue;
    const wire = frame.forVsn(member.session.vsn);
    if (!wire) continue;
    member.session.send(wire.data, wire.binary);
    delivered += 1;
  }
  countDelivered(ctx, delivered, () => [...room.members].filter((member) => !member.closed && mayReceive(member)));
}

/** Sends replayed messages to one channel, in order, marked `meta.replayed`. */
export function pushReplay(ctx: RealtimeContext, channel: JoinedChannel, messages: DatabaseMessage[]): void {
  let delivered = 0;
  for (const message of messages) {
    const wire = databaseMessageFrame(message, true).forVsn(channel.session.vsn);
    if (!wire || channel.closed) continue;
    channel.session.send(wire.data, wire.binary);
    delivered += 1;
  }
  countDelivered(ctx, delivered, () => [channel]);
}

function mayReceive(channel: JoinedChannel): boolean {
  return !channel.isPrivate || channel.policies === null || channel.policies.broadcastRead;
}
