import { crashChannel, shutdownChannel } from './channel-close.js';
import type { JoinedChannel } from './channel.js';
import type { RealtimeContext } from './realtime-context.js';

/** The plan limits Supabase Realtime enforces, as the failure-mode drills name them (docs' codes). */
export const LIMIT_FAULTS = ['tenant_events', 'too_many_channels', 'too_many_joins', 'too_many_connections'] as const;
export type LimitFault = (typeof LIMIT_FAULTS)[number];

/**
 * Answers as hosted Realtime does when a limit is hit, now, for every current client — without
 * changing the limits themselves (realtime-protocol.md §2.5, §7):
 * - `tenant_events` ("Too many messages per second"): every channel gets the `system` error and
 *   `phx_close` (supabase-js: CLOSED, no rejoin).
 * - `too_many_channels` / `too_many_joins`: every channel crashes (the client rejoins) and the
 *   next `times` joins are refused with `ChannelRateLimitReached: Too many channels` /
 *   `ClientJoinRateLimitReached: Too many joins per second` (the latter also closes the socket).
 * - `too_many_connections`: every socket drops and the next `times` upgrades get HTTP 429
 *   `Too many connected users`.
 */
export function injectLimit(ctx: RealtimeContext, kind: LimitFault, times: number): number {
  const channels = [...ctx.sessions].flatMap((session) => [...session.channels.values()] as JoinedChannel[]);
  const refuse = (reason: string, disconnect: boolean) => {
    Object.assign(ctx.faults.joinRefusals, { remaining: times, reason, disconnect });
    for (const channel of channels) crashChannel(ctx, channel);
  };
  switch (kind) {
    case 'tenant_events':
      for (const channel of channels) shutdownChannel(ctx, channel, 'Too many messages per second');
      return channels.length;
    case 'too_many_channels':
      refuse('ChannelRateLimitReached: Too many channels', false);
      return channels.length;
    case 'too_many_joins':
      refuse('ClientJoinRateLimitReached: Too many joins per second', true);
      return channels.length;
    case 'too_many_connections': {
      ctx.faults.upgradeRefusals = times;
      const sessions = [...ctx.sessions];
      for (const session of sessions) session.terminate();
      return sessions.length;
    }
  }
}
