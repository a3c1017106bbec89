import type { JoinedChannel } from './channel.js';
import { PRIVATE_CHANNEL_ROLES } from './channel.js';
import { shutdownChannel } from './channel-close.js';
import { jwtFailureMessage } from './jwt.js';
import type { RealtimeContext } from './realtime-context.js';

const MAX_TIMER_MS = 2_147_483_647;

/** Re-checks the channel's token at its `exp`; expiry → `system` error + `phx_close`. */
export function scheduleTokenExpiry(ctx: RealtimeContext, channel: JoinedChannel): void {
  clearTimeout(channel.expiryTimer);
  // +5 ms so the check runs after the expiry second has begun.
  const delay = Math.min(MAX_TIMER_MS, Math.max(0, channel.claims.exp * 1000 - Date.now()) + 5);
  channel.expiryTimer = setTimeout(() => {
    if (channel.closed) return;
    const result = ctx.verify(channel.token);
    if (result.ok) scheduleTokenExpiry(ctx, channel);
    else shutdownChannel(ctx, channel, jwtFailureMessage(result.failure));
  }, delay);
  channel.expiryTimer.unref();
}

/**
 * `access_token` push (no reply): ignores null, unchanged and `sb_` tokens; otherwise
 * re-validates, re-authorizes private channels and hands the new claims to postgres_changes.
 */
export function applyAccessToken(ctx: RealtimeContext, channel: JoinedChannel, token: string | null | undefined): void {
  if (!token || token === channel.token || token.startsWith('sb_')) return;
  const result = ctx.verify(token);
  if (!result.ok) {
    shutdownChannel(ctx, channel, jwtFailureMessage(result.failure));
    return;
  }
  if (channel.isPrivate && !PRIVATE_CHANNEL_ROLES.has(result.claims.role)) {
    shutdownChannel(ctx, channel, `You no longer have permission to read from this Channel topic: ${channel.name}`);
    return;
  }
  channel.token = token;
  channel.claims = result.claims;
  scheduleTokenExpiry(ctx, channel);
  if (channel.bindings.length > 0 && ctx.postgresChanges) {
    try {
      ctx.postgresChanges.updateClaims(channel.pgKey, result.claims);
    } catch (error) {
      ctx.log(`postgres_changes updateClaims failed for ${channel.topic}: ${String(error)}`);
    }
  }
}
