import { describe, expect, it } from 'vitest';
import { reconnectBanner } from '@/lib/dashboard/reconnect-banner';
import type { FeedSnapshot } from '@/lib/monitoring/feed-snapshot';
import { failure } from '@/lib/monitoring/transport-failure';

const idleFallback: FeedSnapshot['fallback'] = { active: false, since: null, reason: null, log: [], lane: null };

describe('the reconnect banner says why the feed is reconnecting', () => {
  it('names the failure in plain words and keeps the server’s text', () => {
    const banner = reconnectBanner({ status: 'reconnecting', primary: 'realtime', fallback: idleFallback, lastFailure: failure('rate_limited', 'Too many messages per second') });
    expect(banner).toBe('Reconnecting to Supabase Realtime: a Realtime plan limit was hit; backing off (Too many messages per second). Missed events are filled from history once it is back.');
  });

  it('stays quiet when live, or when the fallback banner already explains the outage', () => {
    const lastFailure = failure('heartbeat_timeout', 'no heartbeat reply');
    expect(reconnectBanner({ status: 'live', primary: 'realtime', fallback: idleFallback, lastFailure })).toBeNull();
    expect(reconnectBanner({ status: 'reconnecting', primary: 'realtime', fallback: { ...idleFallback, active: true, since: 1 }, lastFailure })).toBeNull();
  });
});
