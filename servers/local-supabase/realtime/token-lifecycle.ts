import type { JoinedChannel } from './channel.js';
import { PRIVATE_CHANNEL_ROLES } from './channel.js';
import { shutdownChannel } from './channel-close.js';
import type { ChannelPolicies } from './database-broadcast/authorization.js';
import { PolicyError } from './database-broadcast/authorization.js';
import type { JwtClaims } from './jwt.js';
import { jwtFailureMessage } from './jwt.js';
import type { RealtimeContext } from './realtime-context.js';
import { backoffDelay } from '../../../lib/retry/backoff.js';

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
 * `access_token` push (no reply): ignores null, unchanged and `sb_` tokens (an empty string is
 * not ignored: upstream verifies it and closes with "The token provided is not a valid JWT"); otherwise
 * re-validates, re-authorizes private channels (their `realtime.messages` policies when there is a
 * database) and hands the new claims to postgres_changes.
 */
export function applyAccessToken(ctx: RealtimeContext, channel: JoinedChannel, token: string | null | undefined): void {
  if (token === null || token === undefined || token === channel.token || token.startsWith('sb_')) return;
  const result = ctx.verify(token);
  if (!result.ok) {
    shutdownChannel(ctx, channel, jwtFailureMessage(result.failure));
    return;
  }
  if (channel.isPrivate && !ctx.database && !PRIVATE_CHANNEL_ROLES.has(result.claims.role)) {
    shutdownChannel(ctx, channel, `You no longer have permission to read from this Channel topic: ${channel.name}`);
    return;
  }
  if (!channel.isPrivate || !ctx.database) return adoptToken(ctx, channel, token, result.claims, channel.policies);
  // Private channel: the new claims are authorized against the policies again before they count.
  const generation = (channel.authGeneration += 1);
  reauthorize(ctx, ctx.database, channel, token, result.claims, generation, 1);
}

/** Retries of a re-authorization that failed for a reason other than the policies (pool busy, database restarting, statement timeout): the project's one backoff, 3 attempts. */
const REAUTH_BACKOFF = { baseMs: 1_000, capMs: 4_000, minMs: 250 };
const REAUTH_RETRIES = 3;

/**
 * Authorizes `claims` for the channel again. A refusal closes it with upstream's texts. A
 * transient failure (review M6) keeps the channel on its previous token and policies — already
 * authorized, and still bound by that token's own expiry — and tries again on a short backoff:
 * a busy pool or a database restart must not disconnect viewers who did nothing wrong. Each
 * newer token supersedes the retries of an older one (`authGeneration`).
 */
function reauthorize(ctx: RealtimeContext, database: NonNullable<RealtimeContext['database']>, channel: JoinedChannel, token: string, claims: JwtClaims, generation: number, attempt: number): void {
  const previous = channel.policies;
  void database.authorize({ topic: channel.name, claims }, { presence: channel.presenceEnabled }).then(
    (policies) => {
      if (channel.closed || channel.authGeneration !== generation) return;
      if (!policies.broadcastRead && policies.presenceRead !== true) {
        return shutdownChannel(ctx, channel, `You do not have permissions to read from this Channel topic: ${channel.name}`);
      }
      // Only a partial revocation (one extension still readable) gets the "no longer" text.
      const revoked = (previous?.broadcastRead === true && !policies.broadcastRead) || (previous?.presenceRead === true && policies.presenceRead === false);
      if (revoked) return shutdownChannel(ctx, channel, `You no longer have permission to read from this Channel topic: ${channel.name}`);
      adoptToken(ctx, channel, token, claims, policies);
    },
    (error: unknown) => {
      if (channel.closed || channel.authGeneration !== generation) return;
      if (error instanceof PolicyError) return shutdownChannel(ctx, channel, `You do not have permissions to read from this Channel topic: ${channel.name}`);
      const why = error instanceof Error ? error.message : String(error);
      if (attempt > REAUTH_RETRIES) {
        ctx.log(`re-authorizing ${channel.topic} failed ${attempt} times (${why}); it keeps its previous token until that expires`);
        return;
      }
      const delay = backoffDelay(REAUTH_BACKOFF, attempt);
      ctx.log(`re-authorizing ${channel.topic} failed (${why}); keeping its previous token and policies, retrying in ${delay} ms`);
      setTimeout(() => {
        if (!channel.closed && channel.authGeneration === generation) reauthorize(ctx, database, channel, token, claims, generation, attempt + 1);
      }, delay).unref();
    },
  );
}

function adoptToken(ctx: RealtimeContext, channel: JoinedChannel, token: string, claims: JwtClaims, policies: ChannelPolicies | null): void {
  channel.token = token;
  channel.claims = claims;
  channel.policies = policies;
  scheduleTokenExpiry(ctx, channel);
  if (channel.bindings.length > 0 && ctx.postgresChanges) {
    try {
      ctx.postgresChanges.updateClaims(channel.pgKey, claims);
    } catch (error) {
      ctx.log(`postgres_changes updateClaims failed for ${channel.topic}: ${String(error)}`);
    }
  }
}
