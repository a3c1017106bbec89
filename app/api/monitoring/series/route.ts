import { NextResponse } from 'next/server';
import { handleApiError } from '@/lib/api/handle-api-error';
import { db } from '@/lib/db/pool';
import { authenticateReader } from '@/lib/event-history/authenticate-reader';
import { parseSeriesQuery } from '@/lib/series/series-query';
import { readSeries } from '@/lib/series/read-series';

export async function GET(request: Request) {
  try {
    await authenticateReader(request);
    const query = parseSeriesQuery(new URL(request.url).searchParams);
    return NextResponse.json(await readSeries(db(), query), { headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    return handleApiError(error);
  }
}
