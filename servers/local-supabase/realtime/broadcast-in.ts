import type { JoinedChannel } from './channel.js';
import { maySend } from './channel.js';
import type { FanoutFrame } from './fanout-frame.js';
import { jsonFanout, userBroadcastFanout } from './fanout-frame.js';
import { countDelivered, countSent } from './message-rate.js';
import type { RealtimeContext } from './realtime-context.js';
import type { UserBroadcastPush } from './serializer.js';
import { ENCODING_JSON, encodeReply } from './serializer.js';

/** A socket broadcast push: JSON `broadcast` event (1.0.0 or text) or a decoded kind-3 frame. */
export type InboundBroadcast =
  | { kind: 'json'; ref: string | null; payload: Record<string, unknown> }
  | { kind: 'binary'; ref: string | null; push: UserBroadcastPush };

/**
 * Relays a client broadcast to the channel's room (BroadcastHandler): size cap, tenant
 * event rate, private write check, `self` exclusion, `ack` reply.
 */
export function handleBroadcast(ctx: RealtimeContext, channel: JoinedChannel, message: InboundBroadcast): void {
  const { session } = channel;
  const reply = (status: 'ok' | 'error', response: unknown) =>
    session.send(encodeReply(session.vsn, channel.joinRef, message.ref, channel.topic, status, response));

  let frame: FanoutFrame;
  let size: number;
  if (message.kind === 'json') {
    const json = JSON.stringify(message.payload);
    size = Buffer.byteLength(json);
    frame = jsonFanout(channel.topicJson, 'broadcast', json);
  } else {
    const { push } = message;
    size = push.payload.length;
    let text: string | null = null;
    if (push.encoding === ENCODING_JSON) {
      text = push.payload.toString('utf8');
      if (!isJson(text)) return reply('error', { reason: 'invalid JSON payload' });
    }
    frame = userBroadcastFanout(channel.topic, push.event, push.encoding, push.payload, text);
  }
  if (size > ctx.limits.maxPayloadSizeKb * 1000) return reply('error', 'payload_size_exceeded');
  // Private rooms need write permission; without it the real server drops silently (no ack, not counted).
  if (!maySend(channel)) return;
  countSent(ctx);
  const room = ctx.hub.get(channel.roomKey);
  const options = channel.self ? {} : { except: channel };
  const delivered = room ? ctx.hub.fanOut(room, frame, options) : 0;
  // Upstream order: the copies, the ack, then each receiver's rate check.
  if (channel.ack) reply('ok', {});
  if (room) countDelivered(ctx, delivered, () => ctx.hub.recipients(room, options));
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
