import { describe, expect, it } from 'vitest';
import { realtimeReasonKind } from '@/lib/monitoring/transports/realtime-reasons';

describe('what Realtime’s own words mean for the feed', () => {
  it('reads an expired token, at join or mid-session, as token_expired (retried with a fresh token)', () => {
    expect(realtimeReasonKind('Token has expired 3 seconds ago')).toBe('token_expired');
    expect(realtimeReasonKind('InvalidJWTToken: Token has expired 0 seconds ago')).toBe('token_expired');
  });

  it('reads the plan limits as rate_limited', () => {
    for (const reason of [
      'Too many messages per second',
      'ChannelRateLimitReached: Too many channels',
      'ClientJoinRateLimitReached: Too many joins per second',
      'ConnectionRateLimitReached: Too many connected users',
      'Client presence rate limit exceeded',
      'Track message size exceeded',
    ]) {
      expect(realtimeReasonKind(reason)).toBe('rate_limited');
    }
  });

  it('reads refused permissions and bad tokens as unauthorized, anything else as a channel error', () => {
    expect(realtimeReasonKind('Unauthorized: You do not have permissions to read from this Channel topic: monitoring:cache_metrics')).toBe('unauthorized');
    expect(realtimeReasonKind('The token provided is not a valid JWT')).toBe('unauthorized');
    expect(realtimeReasonKind('UnableToConnectToProject: Realtime was unable to connect to the project database')).toBe('channel_error');
  });
});
