import { unstable_rethrow } from 'next/navigation';
import { NextResponse } from 'next/server';
import { ApiError, databaseUnavailable } from '@/lib/api/api-error';
import { isDatabaseUnavailable } from '@/lib/db/database-unavailable';

/** The one mapping from errors to responses: always `{ error: { code, message } }`. */
export function handleApiError(thrown: unknown): NextResponse {
  unstable_rethrow(thrown);
  const error = !(thrown instanceof ApiError) && isDatabaseUnavailable(thrown) ? databaseUnavailable(thrown) : thrown;
  if (error instanceof ApiError) {
    return NextResponse.json({ error: { code: error.code, message: error.message } }, { status: error.status, headers: error.headers });
  }
  console.error('api: unhandled error', error);
  return NextResponse.json({ error: { code: 'internal_error', message: 'Something went wrong on our side.' } }, { status: 500 });
}
