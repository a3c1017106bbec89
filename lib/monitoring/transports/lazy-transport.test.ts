import { describe, expect, it } from 'vitest';
import type { Transport, TransportHandlers } from '@/lib/monitoring/transport';
import type { TransportFailure } from '@/lib/monitoring/transport-failure';
import { lazyTransport } from '@/lib/monitoring/transports/lazy-transport';
import { sampleEnvelope } from '@/test-support/monitoring/sample-rows';
import { parseEnvelope } from '@/lib/monitoring/parse-envelope';
import { waitUntil } from '@/test-support/monitoring/wait-until';

/** An implementation that goes live and delivers one event per connect, recording connects and closes. */
function innerTransport() {
  const log = { connects: 0, closes: 0 };
  const transport: Transport = {
    kind: 'realtime',
    connect(handlers) {
      log.connects += 1;
      handlers.onLive();
      const parsed = parseEnvelope(sampleEnvelope('cache_metrics', log.connects), { transport: 'realtime', receivedAt: Date.now() });
      if (parsed.ok) handlers.onEvent(parsed.event);
      return { close: () => (log.closes += 1) };
    },
  };
  return { transport, log };
}

function recorder() {
  const seen = { live: 0, ids: [] as number[], closed: null as TransportFailure | null };
  const handlers: TransportHandlers = {
    onLive: () => (seen.live += 1),
    onEvent: (event) => seen.ids.push(event.id),
    onInvalid: () => {},
    onGap: () => {},
    onClosed: (failure) => (seen.closed = failure),
  };
  return { seen, handlers };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('lazy transport', () => {
  it('loads the implementation on the first connect only and hands sessions to it', async () => {
    const inner = innerTransport();
    let loads = 0;
    const lazy = lazyTransport('realtime', async () => ((loads += 1), inner.transport));
    expect(lazy.kind).toBe('realtime');
    expect(loads).toBe(0);
    const first = recorder();
    const session = lazy.connect(first.handlers, { resumeFrom: {} });
    await waitUntil(() => first.seen.live === 1, 'first session live');
    expect(first.seen.ids).toEqual([1]);
    session.close();
    expect(inner.log.closes).toBe(1);
    const second = recorder();
    lazy.connect(second.handlers, { resumeFrom: {} });
    await waitUntil(() => second.seen.live === 1, 'second session live');
    expect(loads).toBe(1);
    expect(inner.log.connects).toBe(2);
  });

  it('never connects a session closed while the implementation was still loading', async () => {
    const inner = innerTransport();
    const load = deferred<Transport>();
    const lazy = lazyTransport('realtime', () => load.promise);
    const closedEarly = recorder();
    lazy.connect(closedEarly.handlers, { resumeFrom: {} }).close();
    const open = recorder();
    lazy.connect(open.handlers, { resumeFrom: {} });
    load.resolve(inner.transport);
    await waitUntil(() => open.seen.live === 1, 'the open session live');
    expect(inner.log.connects).toBe(1);
    expect(closedEarly.seen).toEqual({ live: 0, ids: [], closed: null });
  });

  it('ends the session as a network failure when the load fails, and loads again on the next connect', async () => {
    const inner = innerTransport();
    let attempt = 0;
    const lazy = lazyTransport('realtime', async () => {
      attempt += 1;
      if (attempt === 1) throw new Error('ChunkLoadError: chunk 812 failed');
      return inner.transport;
    });
    const failed = recorder();
    lazy.connect(failed.handlers, { resumeFrom: {} });
    await waitUntil(() => failed.seen.closed !== null, 'the failed session closed');
    expect(failed.seen.closed).toMatchObject({ kind: 'network', message: expect.stringContaining('chunk 812 failed') });
    const retried = recorder();
    lazy.connect(retried.handlers, { resumeFrom: {} });
    await waitUntil(() => retried.seen.live === 1, 'the retried session live');
    expect(attempt).toBe(2);
  });
});
