import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHistoryClient } from '@/lib/monitoring/history-client';
import { createMonitoringFeed, type LaneChange, type MonitoringFeedOptions } from '@/lib/monitoring/monitoring-feed';
import { createMemoryHistory } from '@/test-support/monitoring/memory-history';
import { createScriptedTransport } from '@/test-support/monitoring/scripted-transport';
import { failure } from '@/lib/monitoring/transport-failure';

// The lane lifecycle contract validation relies on: live exactly when a session of the lane
// reaches live; down exactly once when it fails, is released, or the feed stops.

const dropped = failure('network', 'socket closed', 1006);

function setup(lanes: { fallback?: boolean; shadow?: boolean } = {}) {
  const db = createMemoryHistory();
  const realtime = createScriptedTransport('realtime');
  const legacy = createScriptedTransport('legacy');
  const shadowTransport = createScriptedTransport('legacy');
  const changes: LaneChange[] = [];
  const served: Array<[number, 'primary' | 'fallback']> = [];
  const options: MonitoringFeedOptions = {
    primary: realtime,
    fallback: lanes.fallback ? legacy : null,
    shadow: lanes.shadow ? shadowTransport : null,
    history: createHistoryClient({ fetch: db.fetch, baseUrl: 'http://history.test/api/monitoring/events' }),
    initial: { cache_metrics: [], system_events: [] },
    retry: { baseMs: 200, capMs: 2_000, minMs: 50, maxAttempts: null, nonRetryable: ['unauthorized'] },
    fallbackPolicy: { afterFailures: 2, afterDownMs: 1_500, immediate: ['subscribe_failed'], returnAfterLiveMs: 2_000 },
    random: () => 0.5,
    onLaneChange: (change) => changes.push(change),
    onPrimaryEvent: (event, lane) => served.push([event.id, lane]),
  };
  return { db, realtime, legacy, shadowTransport, changes, served, feed: createMonitoringFeed(options) };
}

describe('monitoring feed lane changes', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reports the primary live on each confirmed session and down once per failure and at stop', async () => {
    const { realtime, changes, feed } = setup();
    feed.start();
    expect(changes).toEqual([]);
    realtime.current()?.live();
    realtime.current()?.fail(dropped);
    await vi.advanceTimersByTimeAsync(1_000);
    realtime.current()?.live();
    feed.stop();
    feed.stop();
    const primary = (live: boolean) => ({ lane: 'primary', transport: 'realtime', live });
    // Down after a failure carries the session's last sign of life; down at stop does not.
    expect(changes).toEqual([primary(true), { ...primary(false), lastAliveAt: expect.any(Number) }, primary(true), primary(false)]);
  });

  it('says nothing for sessions that fail before they are live, nor at stop when none is live', async () => {
    const { realtime, changes, feed } = setup();
    feed.start();
    realtime.current()?.fail(dropped);
    await vi.advanceTimersByTimeAsync(1_000);
    realtime.current()?.fail(dropped);
    feed.stop();
    expect(changes).toEqual([]);
  });

  it('reports the fallback live while it serves and down exactly once when it is released', async () => {
    const { db, realtime, legacy, changes, served, feed } = setup({ fallback: true });
    feed.start();
    realtime.current()?.fail(failure('subscribe_failed', 'postgres_changes unavailable'));
    legacy.current()?.live();
    legacy.current()?.send(db.insert('cache_metrics'));
    await vi.advanceTimersByTimeAsync(500);
    realtime.current()?.live();
    realtime.current()?.send(db.insert('cache_metrics'));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(legacy.open()).toHaveLength(0);
    feed.stop();
    expect(changes).toEqual([
      { lane: 'fallback', transport: 'legacy', live: true },
      { lane: 'primary', transport: 'realtime', live: true },
      { lane: 'fallback', transport: 'legacy', live: false },
      { lane: 'primary', transport: 'realtime', live: false },
    ]);
    expect(served).toEqual([
      [1, 'fallback'],
      [2, 'primary'],
    ]);
  });

  it('reports the fallback down once when its own session fails, and live again when it reconnects', async () => {
    const { realtime, legacy, changes, feed } = setup({ fallback: true });
    feed.start();
    realtime.current()?.fail(failure('subscribe_failed', 'no'));
    legacy.current()?.live();
    legacy.current()?.fail(dropped);
    await vi.advanceTimersByTimeAsync(1_000);
    legacy.current()?.live();
    feed.stop();
    const fallback = (live: boolean) => ({ lane: 'fallback', transport: 'legacy', live });
    expect(changes).toEqual([fallback(true), { ...fallback(false), lastAliveAt: expect.any(Number) }, fallback(true), fallback(false)]);
  });

  it('reports, with a lane that went down by failing, when it last showed a sign of life', async () => {
    const { realtime, changes, feed } = setup();
    feed.start();
    realtime.current()?.live();
    const lastSign = Date.now();
    await vi.advanceTimersByTimeAsync(30_000);
    realtime.current()?.fail(failure('heartbeat_timeout', 'silent for 30 s'));
    feed.stop();
    expect(changes[1]).toEqual({ lane: 'primary', transport: 'realtime', live: false, lastAliveAt: lastSign });
  });

  it('reports the shadow lane on its own, whatever the primary does', () => {
    const { realtime, shadowTransport, changes, feed } = setup({ shadow: true });
    feed.start();
    shadowTransport.current()?.live();
    realtime.current()?.fail(dropped);
    feed.stop();
    expect(changes).toEqual([
      { lane: 'shadow', transport: 'legacy', live: true },
      { lane: 'shadow', transport: 'legacy', live: false },
    ]);
  });
});
