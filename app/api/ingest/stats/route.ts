import { NextResponse } from 'next/server';
import { handleApiError } from '@/lib/api/handle-api-error';
import { ingestContext } from '@/lib/ingest/ingest-context';
import { readIngestStats } from '@/lib/ingest/ingest-stats';

export async function GET(request: Request) {
  try {
    return NextResponse.json(await readIngestStats(request, await ingestContext()), { headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    return handleApiError(error);
  }
}
