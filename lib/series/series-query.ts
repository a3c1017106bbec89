import { z } from 'zod';
import { readSearchParams } from '@/lib/api/read-search-params';
import { SERIES_RANGE_NAMES } from '@/lib/dashboard/series-ranges';

const seriesQuerySchema = z.strictObject({
  /** One cache; absent: every cache with data in the range (at most MAX_SERIES_CACHES). */
  cache: z.string().min(1, 'must not be empty').max(100, 'must be at most 100 characters').optional(),
  range: z.enum(SERIES_RANGE_NAMES, { error: `must be one of ${SERIES_RANGE_NAMES.join(', ')}` }),
});

export type SeriesQuery = z.infer<typeof seriesQuerySchema>;

/** Parses `?range=…[&cache=…]`; 400 naming the parameter. */
export function parseSeriesQuery(params: URLSearchParams): SeriesQuery {
  return readSearchParams(params, seriesQuerySchema);
}
