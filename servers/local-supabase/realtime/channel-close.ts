import type { JoinedChannel } from './channel.js';
import { pushSystem } from './channel.js';
import { fanOutPresenceDiff } from './presence-fanout.js';
import type { RealtimeContext } from './realtime-context.js';
import { encodePush } from './serializer.js';

/** Forgets a channel: presence leave to the others, postgres unsubscribe, timers. No frames to it. */
export function teardownChannel(ctx: RealtimeContext, channel: JoinedChannel): void {
  if (channel.closed) return;
  const room = ctx.hub.get(channel.roomKey);
  const diff = room?.presence.untrack(channel) ?? null;
  channel.closed = true;
  ctx.hub.remove(channel);
  if (room && diff) fanOutPresenceDiff(ctx, room, diff);
  if (channel.session.channels.get(channel.topic) === channel) channel.session.channels.delete(channel.topic);
  clearTimeout(channel.expiryTimer);
  if (channel.bindings.length > 0 && ctx.postgresChanges) {
    try {
      ctx.postgresChanges.unsubscribe(channel.pgKey);
    } catch (error) {
      ctx.log(`postgres_changes unsubscribe failed for ${channel.topic}: ${String(error)}`);
    }
  }
}

/** Graceful server-side stop: `phx_close` (ref = join_ref) → client `CLOSED`, no rejoin. */
export function closeChannel(ctx: RealtimeContext, channel: JoinedChannel): void {
  if (channel.closed) return;
  const { session, joinRef, topic } = channel;
  teardownChannel(ctx, channel);
  session.send(encodePush(session.vsn, joinRef, joinRef, topic, 'phx_close', {}));
}

/** `system` error followed by `phx_close`, as the real server shuts a channel down. */
export function shutdownChannel(ctx: RealtimeContext, channel: JoinedChannel, message: string): void {
  if (channel.closed) return;
  pushSystem(channel, 'system', 'error', message);
  closeChannel(ctx, channel);
}

/** Channel crash: `phx_error` → client `CHANNEL_ERROR` and rejoin on its backoff. */
export function crashChannel(ctx: RealtimeContext, channel: JoinedChannel): void {
  if (channel.closed) return;
  const { session, joinRef, topic } = channel;
  teardownChannel(ctx, channel);
  session.send(encodePush(session.vsn, joinRef, joinRef, topic, 'phx_error', { reason: 'channel_crash' }));
}
