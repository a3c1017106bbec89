import 'server-only';
import type { IngestCounters, IngestDeps } from '@/lib/ingest/accept-ingest';
import { registerIngestKey } from '@/lib/ingest/ingest-keys';
import { createIngestRateLimit } from '@/lib/ingest/ingest-rate-limit';
import { legacyPublisher, type LegacyPublisher } from '@/lib/ingest/legacy-publisher';
import { db } from '@/lib/db/pool';
import { serverEnv } from '@/lib/env';
import { legacyFeedEnabled } from '@/lib/rollout/stages';
import { currentRolloutConfig } from '@/lib/rollout/server/server-config';

export interface IngestContext extends IngestDeps {
  publisher: LegacyPublisher;
  counters: IngestCounters;
  /** Settles once INGEST_API_KEY (when set) is registered as a key. */
  ready: Promise<void>;
}

const globalForIngest = globalThis as unknown as { switchyardIngest?: IngestContext };

/** The app's ingest dependencies (one per process, HMR-safe), built on first use. */
export async function ingestContext(): Promise<IngestContext> {
  if (!globalForIngest.switchyardIngest) {
    const pool = db();
    const envKey = serverEnv().INGEST_API_KEY;
    const ready = envKey ? registerIngestKey(pool, 'env:INGEST_API_KEY', envKey).then(() => undefined) : Promise.resolve();
    globalForIngest.switchyardIngest = {
      pool,
      publisher: legacyPublisher(),
      rateLimit: createIngestRateLimit(pool),
      counters: { batches: 0, stored: 0, duplicates: 0 },
      legacyFeedEnabled: async () => legacyFeedEnabled(await currentRolloutConfig()),
      ready,
    };
    // A failed registration (database down) is retried by the next request.
    ready.catch(() => {
      globalForIngest.switchyardIngest = undefined;
    });
  }
  const context = globalForIngest.switchyardIngest;
  await context.ready;
  return context;
}
