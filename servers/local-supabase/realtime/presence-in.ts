import type { JoinedChannel } from './channel.js';
import { mayReadPresence, pushToChannel } from './channel.js';
import { shutdownChannel } from './channel-close.js';
import { fanOutPresenceDiff } from './presence-fanout.js';
import type { RealtimeContext } from './realtime-context.js';
import { encodeReply } from './serializer.js';

type Reply = (status: 'ok' | 'error', response: unknown) => void;

/** `presence` push (`track` / `untrack`), as PresenceHandler treats it. */
export function handlePresence(ctx: RealtimeContext, channel: JoinedChannel, ref: string | null, payload: { event: string; payload?: unknown }): void {
  const { session } = channel;
  const reply: Reply = (status, response) => session.send(encodeReply(session.vsn, channel.joinRef, ref, channel.topic, status, response));

  if (channel.presenceCalls.hit()) return shutdownChannel(ctx, channel, 'Client presence rate limit exceeded');
  if (ctx.presenceRate.hit()) return shutdownChannel(ctx, channel, 'Too many presence messages per second');
  if (!ctx.hub.get(channel.roomKey)) return;
  switch (payload.event.toLowerCase()) {
    case 'track':
      return authorizeTrack(ctx, channel, reply, () => track(ctx, channel, payload.payload, reply));
    case 'untrack': {
      const room = ctx.hub.get(channel.roomKey);
      const diff = room?.presence.untrack(channel) ?? null;
      reply('ok', {});
      if (room && diff) fanOutPresenceDiff(ctx, room, diff);
      return;
    }
    default:
      return reply('error', { reason: `Unknown presence event ${payload.event}` });
  }
}

/**
 * A private channel with policies may track only with a presence INSERT policy (upstream
 * `can_write_presence?`; refused: an `error` reply with an empty response). When presence was
 * not enabled at join, read and write are authorized now, before the track.
 */
function authorizeTrack(ctx: RealtimeContext, channel: JoinedChannel, reply: Reply, run: () => void): void {
  const { policies } = channel;
  if (!channel.isPrivate || policies === null || !ctx.database) return run();
  if (policies.presenceWrite === true) return run();
  if (policies.presenceWrite === false) return reply('error', {});
  void ctx.database.authorize({ topic: channel.name, claims: channel.claims }, { presence: true }).then(
    (fresh) => {
      if (channel.closed) return;
      channel.policies = { ...policies, presenceRead: fresh.presenceRead, presenceWrite: fresh.presenceWrite };
      if (fresh.presenceWrite === true) run();
      else reply('error', {});
    },
    (error: unknown) => {
      if (channel.closed) return;
      ctx.log(`presence authorization on ${channel.topic} failed: ${error instanceof Error ? error.message : String(error)}`);
      reply('error', {});
    },
  );
}

function track(ctx: RealtimeContext, channel: JoinedChannel, tracked: unknown, reply: Reply): void {
  const room = ctx.hub.get(channel.roomKey);
  if (!room || channel.closed) return;
  if (typeof tracked !== 'object' || tracked === null || Array.isArray(tracked)) {
    return reply('error', { reason: 'Presence track payload must be a map' });
  }
  if (Buffer.byteLength(JSON.stringify(tracked)) > ctx.limits.maxPayloadSizeKb * 1000) {
    return shutdownChannel(ctx, channel, 'Track message size exceeded');
  }
  // Tracking enables presence for the channel; newer servers then push the state first.
  if (!channel.presenceEnabled) {
    channel.presenceEnabled = true;
    if (mayReadPresence(channel)) pushToChannel(channel, 'presence_state', room.presence.state());
  }
  const diff = room.presence.track(channel, tracked as Record<string, unknown>, ctx.nextPhxRef());
  reply('ok', {});
  if (diff) fanOutPresenceDiff(ctx, room, diff);
}
