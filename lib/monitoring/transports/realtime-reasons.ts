import type { FailureKind } from '@/lib/monitoring/transport-failure';

/**
 * What a Realtime server's own words (a join refusal's `reason`, a `system` error before
 * `phx_close`) mean for the feed — texts as supabase/realtime sends them
 * (realtime-protocol.md §2.5, §6, §7). Anything else is a channel error.
 */
export function realtimeReasonKind(message: string): FailureKind {
  if (/Token has expired/i.test(message)) return 'token_expired';
  if (/^(ChannelRateLimitReached|ClientJoinRateLimitReached|ConnectionRateLimitReached)\b|Too many (messages|presence messages|channels|joins|connected users)|rate limit exceeded|size exceeded|tenant_events|too_many_/i.test(message)) {
    return 'rate_limited';
  }
  if (/^Unauthorized\b|permissions? to read|no longer have permission|InvalidJWTToken|MalformedJWT|JwtSignatureError|not a valid JWT/i.test(message)) return 'unauthorized';
  return 'channel_error';
}
