import { ApiError } from '@/lib/api/api-error';

/**
 * Maps a failed query to what the caller should hear: data/constraint errors the schema
 * did not foresee are the caller's (400); an unreachable or restarting database is
 * temporary (503, worth a retry); anything else stays an internal error.
 */
export function mapDatabaseError(error: unknown, what: string): Error {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (code.startsWith('22') || code.startsWith('23')) {
      return new ApiError('validation_failed', `The database rejected the ${what}: ${(error as Error).message}`, { cause: error });
    }
    if (code.startsWith('08') || code.startsWith('57P') || code === 'ECONNREFUSED' || code === 'ECONNRESET') {
      return new ApiError('upstream_unavailable', 'The database is unavailable right now; retry shortly.', { cause: error, headers: { 'retry-after': '1' } });
    }
  }
  if (error instanceof Error && /Connection terminated/i.test(error.message)) {
    return new ApiError('upstream_unavailable', 'The database is unavailable right now; retry shortly.', { cause: error, headers: { 'retry-after': '1' } });
  }
  return new Error(`ingest: ${what} failed`, { cause: error });
}
