import 'server-only';
import { ApiError } from '@/lib/api/api-error';
import type { IngestCounters } from '@/lib/ingest/accept-ingest';
import type { IngestContext } from '@/lib/ingest/ingest-context';
import { authenticateIngestKey } from '@/lib/ingest/ingest-keys';
import type { PublisherStats } from '@/lib/ingest/legacy-publisher';
import { authenticateReader } from '@/lib/event-history/authenticate-reader';

export interface IngestStats {
  ingest: IngestCounters;
  legacyPublisher: PublisherStats;
}

/** `GET /api/ingest/stats`: for ingest-key holders, admins and the service role. */
export async function readIngestStats(request: Request, context: IngestContext): Promise<IngestStats> {
  await authorize(request, context);
  return { ingest: { ...context.counters }, legacyPublisher: context.publisher.stats() };
}

async function authorize(request: Request, context: IngestContext): Promise<void> {
  if (request.headers.get('authorization')) {
    try {
      await authenticateIngestKey(context.pool, request.headers.get('authorization'));
      return;
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'unauthorized') throw error;
    }
  }
  const caller = await authenticateReader(request);
  if (caller.kind === 'user' && caller.user.role !== 'admin') throw new ApiError('forbidden', 'Only admins and ingest-key holders may read ingest stats.');
}
