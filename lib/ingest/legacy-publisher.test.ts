import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Envelope } from '@/lib/db/stored-envelope';
import { startReceiver } from '@/test-support/ingest';
import { createLegacyPublisher, type LegacyPublisher } from '@/lib/ingest/legacy-publisher';
import { publishBackoffMs, type PublishRetryPolicy } from '@/lib/ingest/publish-retry-policy';
import { freePort } from '@/servers/port';

const FAST_RETRY: PublishRetryPolicy = { baseMs: 5, capMs: 40, maxAttempts: 10_000 };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function envelopes(from: number, count: number): Envelope[] {
  return Array.from({ length: count }, (_, i) => ({
    id: from + i,
    event_id: randomUUID(),
    stream: i % 2 ? 'system_events' : 'cache_metrics',
    emitted_at: new Date().toISOString(),
    data: { source: 'test', n: from + i },
  }));
}

function publisherTo(url: string, options: Partial<Parameters<typeof createLegacyPublisher>[0]> = {}): LegacyPublisher {
  const publisher = createLegacyPublisher({ url, key: 'publish-key-publish-key-publish-key', retry: FAST_RETRY, log: () => {}, ...options });
  cleanups.push(() => publisher.close());
  return publisher;
}

async function receiverOn(port?: number, status?: number) {
  const receiver = await startReceiver({ port, status });
  cleanups.push(() => receiver.close());
  return receiver;
}

describe('legacy publisher', () => {
  it('delivers envelopes in order, at most 1,000 per request, with the publish key', async () => {
    const receiver = await receiverOn();
    const publisher = publisherTo(receiver.url);
    const sent = envelopes(1, 2_500);
    publisher.enqueue(sent.slice(0, 1_200));
    publisher.enqueue(sent.slice(1_200));
    await receiver.waitFor(2_500);
    expect(receiver.envelopes()).toEqual(sent);
    expect(Math.max(...receiver.received.map((r) => r.envelopes.length))).toBeLessThanOrEqual(1_000);
    expect(new Set(receiver.received.map((r) => r.authorization))).toEqual(new Set(['Bearer publish-key-publish-key-publish-key']));
    await vi.waitFor(() => expect(publisher.stats()).toMatchObject({ enqueued: 2_500, published: 2_500, queued: 0, dropped: 0, retried: 0 }));
  });

  it('retries through an outage and delivers everything once the receiver is back', async () => {
    const port = await freePort();
    const publisher = publisherTo(`http://127.0.0.1:${port}/internal/publish`);
    const sent = envelopes(100, 5);
    publisher.enqueue(sent);
    await vi.waitFor(() => expect(publisher.stats().retried).toBeGreaterThanOrEqual(3), { timeout: 10_000, interval: 10 });
    expect(publisher.stats().lastError).toMatch(/ECONNREFUSED|fetch failed/);
    const receiver = await receiverOn(port);
    await receiver.waitFor(5);
    expect(receiver.envelopes()).toEqual(sent);
    await vi.waitFor(() => expect(publisher.stats()).toMatchObject({ published: 5, dropped: 0 }));
  });

  it('keeps the newest envelopes when the queue is full and counts and logs the drops', async () => {
    const port = await freePort();
    const lines: string[] = [];
    const publisher = publisherTo(`http://127.0.0.1:${port}/internal/publish`, { capacity: 100, log: (line) => lines.push(line) });
    const first = envelopes(1, 10);
    publisher.enqueue(first);
    await vi.waitFor(() => expect(publisher.stats().retried).toBeGreaterThanOrEqual(1), { timeout: 10_000, interval: 10 });
    const burst = envelopes(11, 250);
    publisher.enqueue(burst);
    expect(publisher.stats()).toMatchObject({ queued: 100, inFlight: 10, dropped: 150, enqueued: 260 });
    expect(lines.join('\n')).toMatch(/dropped 150 envelope\(s\) \(queue full\)/);
    const receiver = await receiverOn(port);
    await receiver.waitFor(110);
    expect(receiver.envelopes().map((e) => e.id)).toEqual([...first, ...burst.slice(150)].map((e) => e.id));
    await vi.waitFor(() => expect(publisher.stats()).toMatchObject({ published: 110, dropped: 150, queued: 0 }));
  });

  it('drops a batch the legacy server rejects (4xx) without retrying it', async () => {
    const receiver = await receiverOn(undefined, 401);
    const publisher = publisherTo(receiver.url);
    publisher.enqueue(envelopes(1, 7));
    await vi.waitFor(() => expect(publisher.stats().dropped).toBe(7), { timeout: 10_000, interval: 10 });
    expect(publisher.stats()).toMatchObject({ retried: 0, published: 0, lastError: 'HTTP 401' });
    expect(receiver.received).toHaveLength(1);
  });

  it('gives a batch up after the policy’s attempts and moves on', async () => {
    const port = await freePort();
    const publisher = publisherTo(`http://127.0.0.1:${port}/internal/publish`, { retry: { ...FAST_RETRY, maxAttempts: 3 } });
    publisher.enqueue(envelopes(1, 4));
    await vi.waitFor(() => expect(publisher.stats().dropped).toBe(4), { timeout: 10_000, interval: 10 });
    expect(publisher.stats()).toMatchObject({ retried: 2, inFlight: 0, queued: 0 });
  });
});

describe('publish backoff', () => {
  const policy: PublishRetryPolicy = { baseMs: 100, capMs: 5_000, minMs: 10, maxAttempts: 30 };

  it('doubles per attempt up to the cap, with jitter inside [half, full] of the step', () => {
    // Full jitter below a doubling ceiling (the one backoff), never below the floor.
    expect([1, 2, 3, 4].map((n) => publishBackoffMs(policy, n, () => 0.999_999))).toEqual([99, 199, 399, 799]);
    expect([1, 2, 3, 4].map((n) => publishBackoffMs(policy, n, () => 0))).toEqual([10, 10, 10, 10]);
    expect(publishBackoffMs(policy, 50, () => 0.999_999)).toBe(4_999);
  });
});
