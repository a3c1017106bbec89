import { NextResponse } from 'next/server';
import { handleApiError } from '@/lib/api/handle-api-error';
import { db } from '@/lib/db/pool';
import { authenticateReader } from '@/lib/event-history/authenticate-reader';
import { parseHistoryQuery } from '@/lib/event-history/history-query';
import { readHistory } from '@/lib/event-history/read-history';

export async function GET(request: Request) {
  try {
    await authenticateReader(request);
    const query = parseHistoryQuery(new URL(request.url).searchParams);
    return NextResponse.json(await readHistory(db(), query), { headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    return handleApiError(error);
  }
}
