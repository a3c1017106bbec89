import type { JoinedChannel } from './channel.js';
import { pushToChannel } from './channel.js';
import { shutdownChannel } from './channel-close.js';
import { fanOutPresenceDiff } from './presence-fanout.js';
import type { RealtimeContext } from './realtime-context.js';
import { encodeReply } from './serializer.js';

/** `presence` push (`track` / `untrack`), as PresenceHandler treats it. */
export function handlePresence(ctx: RealtimeContext, channel: JoinedChannel, ref: string | null, payload: { event: string; payload?: unknown }): void {
  const { session } = channel;
  const reply = (status: 'ok' | 'error', response: unknown) =>
    session.send(encodeReply(session.vsn, channel.joinRef, ref, channel.topic, status, response));

  if (channel.presenceCalls.hit()) return shutdownChannel(ctx, channel, 'Client presence rate limit exceeded');
  if (ctx.presenceRate.hit()) return shutdownChannel(ctx, channel, 'Too many presence messages per second');
  const room = ctx.hub.get(channel.roomKey);
  if (!room) return;
  switch (payload.event.toLowerCase()) {
    case 'track': {
      const tracked = payload.payload;
      if (typeof tracked !== 'object' || tracked === null || Array.isArray(tracked)) {
        return reply('error', { reason: 'Presence track payload must be a map' });
      }
      if (Buffer.byteLength(JSON.stringify(tracked)) > ctx.limits.maxPayloadSizeKb * 1000) {
        return shutdownChannel(ctx, channel, 'Track message size exceeded');
      }
      // Tracking enables presence for the channel; newer servers then push the state first.
      if (!channel.presenceEnabled) {
        channel.presenceEnabled = true;
        pushToChannel(channel, 'presence_state', room.presence.state());
      }
      const diff = room.presence.track(channel, tracked as Record<string, unknown>, ctx.nextPhxRef());
      reply('ok', {});
      if (diff) fanOutPresenceDiff(ctx, room, diff);
      return;
    }
    case 'untrack': {
      const diff = room.presence.untrack(channel);
      reply('ok', {});
      if (diff) fanOutPresenceDiff(ctx, room, diff);
      return;
    }
    default:
      return reply('error', { reason: `Unknown presence event ${payload.event}` });
  }
}
