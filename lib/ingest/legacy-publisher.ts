import 'server-only';
import { BoundedQueue } from '@/lib/ingest/bounded-queue';
import type { Envelope } from '@/lib/db/stored-envelope';
import { DEFAULT_PUBLISH_RETRY, isRetryablePublishStatus, publishBackoffMs, type PublishRetryPolicy } from '@/lib/ingest/publish-retry-policy';
import { serverEnv } from '@/lib/env';

export interface LegacyPublisherOptions {
  /** `POST /internal/publish` of the legacy WebSocket server. */
  url: string;
  key: string;
  /** Envelopes waiting at most; beyond it the oldest are dropped (counted). Default 50,000. */
  capacity?: number;
  /** Envelopes per request (the legacy server takes ≤ 1,000). */
  batchSize?: number;
  retry?: PublishRetryPolicy;
  requestTimeoutMs?: number;
  random?: () => number;
  log?: (line: string) => void;
}

export interface PublisherStats {
  /** Envelopes waiting now (not counting the batch in flight). */
  queued: number;
  inFlight: number;
  capacity: number;
  enqueued: number;
  published: number;
  /** Failed attempts that were retried. */
  retried: number;
  /** Envelopes given up on: queue overflow, rejected by the server, or out of attempts. */
  dropped: number;
  lastError: string | null;
  lastPublishedAt: string | null;
}

/** Hands committed envelopes to the legacy feed in the background; never blocks ingest. */
export interface LegacyPublisher {
  enqueue(envelopes: readonly Envelope[]): void;
  stats(): PublisherStats;
  /** Stops sending (what is queued stays unsent). */
  close(): Promise<void>;
}

// eslint-disable-next-line max-lines-per-function -- a factory: the queue, the retry timer and the stats are one state its short methods share.
export function createLegacyPublisher(options: LegacyPublisherOptions): LegacyPublisher {
  const capacity = options.capacity ?? 50_000;
  const batchSize = Math.min(1_000, options.batchSize ?? 1_000);
  const policy = options.retry ?? DEFAULT_PUBLISH_RETRY;
  const timeoutMs = options.requestTimeoutMs ?? 5_000;
  const log = options.log ?? ((line: string) => console.warn(line));
  const stop = new AbortController();
  const queue = new BoundedQueue<Envelope>(capacity);
  const s = { enqueued: 0, published: 0, retried: 0, dropped: 0, inFlight: 0, lastError: null as string | null, lastPublishedAt: null as string | null };
  let loop: Promise<void> | null = null;
  let unloggedDrops = 0;
  let lastDropLog = 0;
  let lastDropReason = '';
  let dropLogTimer: NodeJS.Timeout | null = null;

  function drop(count: number, why: string) {
    s.dropped += count;
    unloggedDrops += count;
    lastDropReason = why;
    // Every drop is logged, but at most one line per 5 s so an outage does not flood the log.
    const wait = lastDropLog + 5_000 - Date.now();
    if (wait <= 0) logDrops();
    else dropLogTimer ??= setTimeout(logDrops, wait).unref();
  }

  function logDrops() {
    dropLogTimer = null;
    if (unloggedDrops === 0) return;
    log(`ingest: legacy publisher dropped ${unloggedDrops} envelope(s) (${lastDropReason}); ${s.dropped} in total`);
    unloggedDrops = 0;
    lastDropLog = Date.now();
  }

  async function send(batch: Envelope[]): Promise<number | null> {
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ envelopes: batch }),
        signal: AbortSignal.any([stop.signal, AbortSignal.timeout(timeoutMs)]),
      });
      await response.arrayBuffer();
      if (!response.ok) s.lastError = `HTTP ${response.status}`;
      return response.status;
    } catch (error) {
      s.lastError = error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error);
      return null;
    }
  }

  async function run() {
    while (queue.length > 0 && !stop.signal.aborted) {
      const batch = queue.take(batchSize);
      s.inFlight = batch.length;
      for (let attempt = 1; !stop.signal.aborted; attempt++) {
        const status = await send(batch);
        if (status !== null && status >= 200 && status < 300) {
          s.published += batch.length;
          s.lastPublishedAt = new Date().toISOString();
          break;
        }
        if (stop.signal.aborted) break;
        if (!isRetryablePublishStatus(status)) {
          drop(batch.length, `rejected: HTTP ${status}`);
          break;
        }
        if (attempt >= policy.maxAttempts) {
          drop(batch.length, `gave up after ${attempt} attempts: ${s.lastError}`);
          break;
        }
        s.retried += 1;
        await sleep(publishBackoffMs(policy, attempt, options.random), stop.signal);
      }
      s.inFlight = 0;
    }
    loop = null;
  }

  return {
    enqueue(envelopes) {
      if (stop.signal.aborted || envelopes.length === 0) return;
      s.enqueued += envelopes.length;
      // A live feed wants fresh data after an outage: the oldest waiting envelopes go first.
      const evicted = queue.push(envelopes);
      if (evicted > 0) drop(evicted, 'queue full');
      loop ??= run();
    },
    stats: () => ({ queued: queue.length, capacity, ...s }),
    async close() {
      stop.abort();
      await loop;
      if (dropLogTimer) clearTimeout(dropLogTimer);
      logDrops();
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

const globalForPublisher = globalThis as unknown as { switchyardLegacyPublisher?: LegacyPublisher };

/** The app's one publisher (survives dev hot reloads), created on first use from the env. */
export function legacyPublisher(): LegacyPublisher {
  const env = serverEnv();
  globalForPublisher.switchyardLegacyPublisher ??= createLegacyPublisher({ url: env.LEGACY_PUBLISH_URL, key: env.LEGACY_PUBLISH_KEY });
  return globalForPublisher.switchyardLegacyPublisher;
}
