import { unstable_rethrow } from 'next/navigation';
import { NextResponse } from 'next/server';
import { ApiError } from '@/lib/api/api-error';

/** The one mapping from errors to responses: always `{ error: { code, message } }`. */
export function handleApiError(error: unknown): NextResponse {
  unstable_rethrow(error);
  if (error instanceof ApiError) {
    return NextResponse.json({ error: { code: error.code, message: error.message } }, { status: error.status, headers: error.headers });
  }
  console.error('api: unhandled error', error);
  return NextResponse.json({ error: { code: 'internal_error', message: 'Something went wrong on our side.' } }, { status: 500 });
}
