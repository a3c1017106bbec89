import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FallbackPolicy } from '@/lib/monitoring/fallback-policy';
import { createHistoryClient } from '@/lib/monitoring/history-client';
import type { MonitoringEvent, Stream } from '@/lib/monitoring/model';
import { createMonitoringFeed, type MonitoringFeedOptions } from '@/lib/monitoring/monitoring-feed';
import type { RetryPolicy } from '@/lib/monitoring/retry-policy';
import { createMemoryHistory, type MemoryHistory } from '@/test-support/monitoring/memory-history';
import { ids } from '@/test-support/monitoring/make-events';
import { createScriptedTransport, type ScriptedTransport } from '@/test-support/monitoring/scripted-transport';
import { failure } from '@/lib/monitoring/transport-failure';

const retry: RetryPolicy = { baseMs: 200, capMs: 2_000, minMs: 50, maxAttempts: null, nonRetryable: ['unauthorized'] };
const fallbackPolicy: FallbackPolicy = { afterFailures: 2, afterDownMs: 1_500, immediate: ['subscribe_failed'], returnAfterLiveMs: 2_000 };
const dropped = failure('network', 'socket closed', 1006);

function setup(options: { fallback?: boolean; shadow?: boolean } = {}) {
  const db = createMemoryHistory();
  const realtime = createScriptedTransport('realtime');
  const legacy = createScriptedTransport('legacy');
  const shadowSeen: MonitoringEvent[] = [];
  const make = (overrides: Partial<MonitoringFeedOptions> = {}) =>
    createMonitoringFeed({
      primary: realtime,
      fallback: options.fallback ? legacy : null,
      shadow: options.shadow ? legacy : null,
      history: createHistoryClient({ fetch: db.fetch, baseUrl: 'http://history.test/api/monitoring/events', pageSize: 50 }),
      retry,
      fallbackPolicy,
      random: () => 0.5,
      onShadowEvent: (event) => shadowSeen.push(event),
      ...overrides,
    });
  return { db, realtime, legacy, shadowSeen, make };
}

/** A row is committed, then published on every transport that is live. */
function ingest(db: MemoryHistory, transports: ScriptedTransport[], stream: Stream = 'cache_metrics') {
  const row = db.insert(stream);
  for (const transport of transports) transport.broadcast(row);
  return row;
}

const dbIds = (db: MemoryHistory, stream: Stream = 'cache_metrics') => db.rows[stream].map((row) => row.id);

describe('monitoring feed', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('renders the snapshot, then live events in id order', async () => {
    const { db, realtime, make } = setup();
    for (let n = 0; n < 3; n += 1) db.insert('cache_metrics');
    const initial = { cache_metrics: await createHistoryClient({ fetch: db.fetch, baseUrl: 'http://h/x' }).latest('cache_metrics', 10), system_events: [] };
    const feed = make({ initial });
    feed.start();
    realtime.current()?.live();
    for (let n = 0; n < 3; n += 1) ingest(db, [realtime]);
    ingest(db, [realtime], 'system_events');
    await vi.advanceTimersByTimeAsync(200);
    const snapshot = feed.getSnapshot();
    expect(ids(snapshot.events.cache_metrics)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ids(snapshot.events.system_events)).toEqual([1]);
    expect(snapshot).toMatchObject({ status: 'live', transport: 'realtime', reconnects: 0, provenance: { history: 3, realtime: 4 } });
    feed.stop();
  });

  it('fetches a snapshot on first live when none was handed in', async () => {
    const { db, realtime, make } = setup();
    for (let n = 0; n < 5; n += 1) db.insert('cache_metrics');
    const feed = make({ limits: { perStream: 3 } });
    feed.start();
    realtime.current()?.live();
    await vi.advanceTimersByTimeAsync(200);
    expect(ids(feed.getSnapshot().events.cache_metrics)).toEqual([3, 4, 5]);
    expect(db.requests.some((url) => url.includes('latest=true'))).toBe(true);
    feed.stop();
  });

  it('backfills rows committed between subscribing and the confirmed subscription', async () => {
    const { db, realtime, make } = setup();
    const feed = make({ initial: { cache_metrics: [], system_events: [] } });
    feed.start();
    // SUBSCRIBED, but the server's database subscription is not live yet: these are not sent.
    db.insert('cache_metrics');
    db.insert('cache_metrics');
    realtime.current()?.live();
    ingest(db, [realtime]);
    await vi.advanceTimersByTimeAsync(200);
    expect(ids(feed.getSnapshot().events.cache_metrics)).toEqual([1, 2, 3]);
    expect(feed.getSnapshot().gapFills).toMatchObject({ total: 2, recovered: 2 });
    feed.stop();
  });

  it('fills a gap in the live ids from history once the reorder window passes', async () => {
    const { db, realtime, make } = setup();
    const feed = make({ initial: { cache_metrics: [], system_events: [] } });
    feed.start();
    realtime.current()?.live();
    await vi.advanceTimersByTimeAsync(100);
    ingest(db, [realtime]);
    db.insert('cache_metrics');
    db.insert('cache_metrics');
    ingest(db, [realtime]);
    await vi.advanceTimersByTimeAsync(100);
    expect(ids(feed.getSnapshot().events.cache_metrics)).toEqual([1]);
    await vi.advanceTimersByTimeAsync(300);
    expect(ids(feed.getSnapshot().events.cache_metrics)).toEqual([1, 2, 3, 4]);
    expect(feed.getSnapshot().gapFills.recovered).toBe(2);
    feed.stop();
  });

  it('ends a 30 s outage with exactly the database rows, in order, without duplicates', async () => {
    const { db, realtime, make } = setup();
    const feed = make({ initial: { cache_metrics: [], system_events: [] } });
    feed.start();
    realtime.current()?.live();
    for (let n = 0; n < 20; n += 1) {
      ingest(db, [realtime]);
      await vi.advanceTimersByTimeAsync(50);
    }
    realtime.current()?.fail(dropped);
    for (let tick = 0; tick < 300; tick += 1) {
      ingest(db, [realtime]);
      ingest(db, [realtime], 'system_events');
      const session = realtime.current();
      if (session && !session.closed) session.fail(dropped);
      await vi.advanceTimersByTimeAsync(100);
    }
    await vi.advanceTimersByTimeAsync(2_000);
    realtime.current()?.live();
    for (let n = 0; n < 20; n += 1) {
      ingest(db, [realtime]);
      await vi.advanceTimersByTimeAsync(10);
    }
    await vi.advanceTimersByTimeAsync(500);
    const snapshot = feed.getSnapshot();
    expect(ids(snapshot.events.cache_metrics)).toEqual(dbIds(db));
    expect(ids(snapshot.events.system_events)).toEqual(dbIds(db, 'system_events'));
    expect(snapshot.status).toBe('live');
    expect(snapshot.reconnects).toBe(1);
    feed.stop();
  });

  it('serves from the fallback after consecutive primary failures and records why', async () => {
    const { db, realtime, legacy, make } = setup({ fallback: true });
    const feed = make({ initial: { cache_metrics: [], system_events: [] } });
    feed.start();
    realtime.current()?.live();
    ingest(db, [realtime, legacy]);
    realtime.current()?.fail(dropped);
    await vi.advanceTimersByTimeAsync(100);
    realtime.current()?.fail(failure('channel_error', 'join refused'));
    expect(legacy.sessions).toHaveLength(1);
    expect(legacy.current()?.options.resumeFrom).toEqual({ cache_metrics: 1, system_events: 0 });
    legacy.current()?.live();
    ingest(db, [realtime, legacy]);
    await vi.advanceTimersByTimeAsync(200);
    const snapshot = feed.getSnapshot();
    expect(snapshot).toMatchObject({ status: 'fallback', transport: 'legacy', fallback: { active: true, reason: expect.stringContaining('channel_error') } });
    expect(snapshot.fallback.log).toEqual([expect.objectContaining({ kind: 'engaged', from: 'realtime', to: 'legacy' })]);
    expect(ids(snapshot.events.cache_metrics)).toEqual([1, 2]);
    expect(snapshot.events.cache_metrics[1]?.provenance.transport).toBe('legacy');
    feed.stop();
  });

  it('engages the fallback when the primary never confirms its subscription', async () => {
    const { realtime, legacy, make } = setup({ fallback: true });
    const feed = make({ initial: { cache_metrics: [], system_events: [] } });
    feed.start();
    await vi.advanceTimersByTimeAsync(1_499);
    expect(legacy.sessions).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(legacy.sessions).toHaveLength(1);
    expect(realtime.sessions[0]?.closed).toBe(false);
    feed.stop();
  });

  it('returns to the primary once it stays live, without losing or repeating events across the switch', async () => {
    const { db, realtime, legacy, make } = setup({ fallback: true });
    const feed = make({ initial: { cache_metrics: [], system_events: [] } });
    feed.start();
    realtime.current()?.live();
    ingest(db, [realtime, legacy]);
    realtime.current()?.fail(failure('subscribe_failed', 'postgres_changes unavailable'));
    legacy.current()?.live();
    for (let n = 0; n < 60; n += 1) {
      ingest(db, [realtime, legacy]);
      await vi.advanceTimersByTimeAsync(100);
      const session = realtime.current();
      if (!session || session.closed || session.isLive) continue;
      // Realtime is down for the first 2 s, then recovers.
      if (n >= 20) session.live();
      else session.fail(dropped);
    }
    for (let n = 0; n < 5; n += 1) ingest(db, [realtime, legacy]);
    await vi.advanceTimersByTimeAsync(500);
    const snapshot = feed.getSnapshot();
    expect(snapshot.fallback.active).toBe(false);
    expect(snapshot.fallback.log.map((record) => record.kind)).toEqual(['engaged', 'returned']);
    expect(legacy.open()).toHaveLength(0);
    expect(snapshot).toMatchObject({ status: 'live', transport: 'realtime' });
    expect(ids(snapshot.events.cache_metrics)).toEqual(dbIds(db));
    expect(snapshot.events.cache_metrics.at(-1)?.provenance.transport).toBe('realtime');
    feed.stop();
  });

  it('keeps the fallback while the primary flaps', async () => {
    const { realtime, legacy, make } = setup({ fallback: true });
    const feed = make({ initial: { cache_metrics: [], system_events: [] } });
    feed.start();
    realtime.current()?.fail(failure('subscribe_failed', 'no'));
    legacy.current()?.live();
    await vi.advanceTimersByTimeAsync(300);
    realtime.current()?.live();
    await vi.advanceTimersByTimeAsync(1_000);
    realtime.current()?.fail(dropped);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(feed.getSnapshot().fallback.active).toBe(true);
    expect(legacy.open()).toHaveLength(1);
    feed.stop();
  });

  it('freezes rendered events while paused and catches up in order on resume', async () => {
    const { db, realtime, make } = setup();
    const feed = make({ initial: { cache_metrics: [], system_events: [] } });
    feed.start();
    realtime.current()?.live();
    ingest(db, [realtime]);
    await vi.advanceTimersByTimeAsync(200);
    feed.pause();
    for (let n = 0; n < 10; n += 1) ingest(db, [realtime]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(feed.getSnapshot()).toMatchObject({ paused: true });
    expect(ids(feed.getSnapshot().events.cache_metrics)).toEqual([1]);
    feed.resume();
    expect(feed.getSnapshot().paused).toBe(false);
    expect(ids(feed.getSnapshot().events.cache_metrics)).toEqual(dbIds(db));
    feed.stop();
  });

  it('publishes about 10 updates a second when visible and at most 4 when hidden, at 100 events/s', async () => {
    const { db, realtime, make } = setup();
    const feed = make({ initial: { cache_metrics: [], system_events: [] } });
    let publications = 0;
    feed.subscribe(() => (publications += 1));
    feed.start();
    realtime.current()?.live();
    await vi.advanceTimersByTimeAsync(500);
    const publicationsOver3s = async () => {
      publications = 0;
      for (let n = 0; n < 300; n += 1) {
        ingest(db, [realtime]);
        await vi.advanceTimersByTimeAsync(10);
      }
      return publications;
    };
    expect(await publicationsOver3s()).toBeLessThanOrEqual(31);
    feed.setVisible(false);
    expect(await publicationsOver3s()).toBeLessThanOrEqual(13);
    expect(ids(feed.getSnapshot().events.cache_metrics)).toEqual(dbIds(db));
    feed.stop();
  });

  it('keeps only the newest events per stream', async () => {
    const { db, realtime, make } = setup();
    const feed = make({ initial: { cache_metrics: [], system_events: [] }, limits: { perStream: 50 } });
    feed.start();
    realtime.current()?.live();
    for (let n = 0; n < 500; n += 1) ingest(db, [realtime]);
    await vi.advanceTimersByTimeAsync(200);
    expect(ids(feed.getSnapshot().events.cache_metrics)).toEqual(dbIds(db).slice(-50));
    feed.stop();
  });

  it('counts and drops invalid frames without interrupting the feed', async () => {
    const { db, realtime, make } = setup();
    const feed = make({ initial: { cache_metrics: [], system_events: [] } });
    feed.start();
    realtime.current()?.live();
    realtime.current()?.send({ ...db.insert('cache_metrics'), event_id: 'bogus' });
    ingest(db, [realtime]);
    await vi.advanceTimersByTimeAsync(500);
    expect(feed.getSnapshot().invalidFrames).toBe(1);
    // The bad frame's row is still in the database: the gap fill brings a valid copy.
    expect(ids(feed.getSnapshot().events.cache_metrics)).toEqual([1, 2]);
    feed.stop();
  });

  it('hands shadow events to the comparison callback and never renders them', async () => {
    const { db, realtime, legacy, shadowSeen, make } = setup({ shadow: true });
    const feed = make({ initial: { cache_metrics: [], system_events: [] } });
    feed.start();
    legacy.current()?.live();
    ingest(db, [legacy]);
    await vi.advanceTimersByTimeAsync(500);
    expect(shadowSeen.map((event) => event.provenance.transport)).toEqual(['legacy']);
    expect(feed.getSnapshot().events.cache_metrics.every((event) => event.provenance.transport !== 'legacy')).toBe(true);
    expect(feed.getSnapshot().shadow).toMatchObject({ transport: 'legacy', phase: 'live', events: 1 });
    expect(realtime.sessions).toHaveLength(1);
    feed.stop();
  });

  it('shows a non-retryable failure as an error when there is no fallback', async () => {
    const { realtime, make } = setup();
    const feed = make({ initial: { cache_metrics: [], system_events: [] } });
    feed.start();
    realtime.current()?.fail(failure('unauthorized', 'bad token'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(feed.getSnapshot()).toMatchObject({ status: 'error', lastFailure: { kind: 'unauthorized' }, errors: { realtime: 1 } });
    expect(realtime.sessions).toHaveLength(1);
    feed.stop();
  });

  it('retries a failed gap fill until the history API answers', async () => {
    const { db, realtime, make } = setup();
    const feed = make({ initial: { cache_metrics: [], system_events: [] } });
    feed.start();
    db.insert('cache_metrics');
    db.down = true;
    realtime.current()?.live();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(feed.getSnapshot().gapFills.failed).toBeGreaterThan(0);
    db.down = false;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(ids(feed.getSnapshot().events.cache_metrics)).toEqual([1]);
    feed.stop();
  });
});
