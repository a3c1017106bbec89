import { describe, expect, it } from 'vitest';
import { fallbackBanner } from '@/lib/dashboard/fallback-banner';
import type { FeedSnapshot } from '@/lib/monitoring/feed-snapshot';
import type { RunnerPhase } from '@/lib/monitoring/transport-runner';

const feed = (status: FeedSnapshot['status'], phase: RunnerPhase | null, active = true) => ({
  status,
  primary: 'realtime' as const,
  fallback: { active, since: active ? 1 : null, reason: active ? 'socket closed' : null, log: [], lane: phase ? { transport: 'legacy' as const, phase } : null },
});

describe('the fallback banner names the right transports', () => {
  it('at the start of an outage, while the legacy feed connects', () => {
    expect(fallbackBanner(feed('reconnecting', 'connecting'))).toBe('Supabase Realtime is unavailable (socket closed); switching to Legacy WebSocket…');
  });

  it('while the legacy feed serves', () => {
    expect(fallbackBanner(feed('fallback', 'live'))).toBe('Supabase Realtime is unavailable (socket closed); showing data from Legacy WebSocket and retrying Supabase Realtime in the background.');
  });

  it('at recovery, before the fallback is released', () => {
    expect(fallbackBanner(feed('live', 'live'))).toBe('Supabase Realtime is back; returning from Legacy WebSocket once it stays up.');
  });

  it('when both feeds are down', () => {
    for (const phase of ['backoff', 'stopped'] as const) {
      expect(fallbackBanner(feed('reconnecting', phase))).toBe('Supabase Realtime and Legacy WebSocket are both unavailable (socket closed); showing the data held so far and retrying both.');
    }
  });

  it('says nothing without a fallback, or offline (the offline banner speaks)', () => {
    expect(fallbackBanner(feed('live', 'idle', false))).toBeNull();
    expect(fallbackBanner(feed('offline', 'backoff'))).toBeNull();
  });

  it('never tells a viewer that a transport is unavailable and serving at once', () => {
    for (const status of ['live', 'fallback', 'reconnecting', 'connecting', 'catching-up', 'error'] as const) {
      for (const phase of ['idle', 'connecting', 'live', 'backoff', 'stopped'] as const) {
        const text = fallbackBanner(feed(status, phase)) ?? '';
        expect(text).not.toMatch(/Supabase Realtime is unavailable.*showing data from Supabase Realtime/);
      }
    }
  });
});
