import { NextResponse } from 'next/server';
import { handleApiError } from '@/lib/api/handle-api-error';
import { acceptIngest } from '@/lib/ingest/accept-ingest';
import { ingestContext } from '@/lib/ingest/ingest-context';

export async function POST(request: Request) {
  try {
    return NextResponse.json(await acceptIngest(request, await ingestContext()));
  } catch (error) {
    return handleApiError(error);
  }
}
