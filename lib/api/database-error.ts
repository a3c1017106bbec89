import { ApiError, databaseUnavailable } from '@/lib/api/api-error';
import { isDatabaseUnavailable } from '@/lib/db/database-unavailable';

/**
 * Maps a failed query to what the caller should hear: data/constraint errors the schema
 * did not foresee are the caller's (400); an unreachable or restarting database is
 * temporary (503, worth a retry); anything else stays an internal error.
 */
export function mapDatabaseError(error: unknown, what: string): Error {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'))) {
    return new ApiError('validation_failed', `The database rejected the ${what}: ${(error as Error).message}`, { cause: error });
  }
  if (isDatabaseUnavailable(error)) return databaseUnavailable(error);
  return new Error(`ingest: ${what} failed`, { cause: error });
}
