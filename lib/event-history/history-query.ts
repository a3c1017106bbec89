import { z } from 'zod';
import { MAX_HISTORY_LIMIT } from '@/contracts/history';
import { readSearchParams } from '@/lib/api/read-search-params';
import { STREAMS } from '@/lib/db/stored-envelope';

export const DEFAULT_HISTORY_LIMIT = 500;

const rowId = (min: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'must be a non-negative integer')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be ≥ ${min}`));

const historyQuerySchema = z.strictObject({
  stream: z.enum(STREAMS, { error: `must be one of ${STREAMS.join(', ')}` }),
  /** Rows with id > after. */
  after: rowId(0).default(0),
  /** Rows with id < before (paging backwards with `latest`). */
  before: rowId(1).optional(),
  limit: z
    .string()
    .regex(/^\d{1,7}$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().min(1, 'must be ≥ 1').max(MAX_HISTORY_LIMIT, `must be ≤ ${MAX_HISTORY_LIMIT}`))
    .default(DEFAULT_HISTORY_LIMIT),
  /** The newest `limit` rows of the range instead of the oldest (still ascending). */
  latest: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .transform((value) => value === 'true')
    .default(false),
});

export type HistoryQuery = z.infer<typeof historyQuerySchema>;

/** Parses `?stream=…&after=…&limit=…[&before=…][&latest=true]`; 400 naming the parameter. */
export function parseHistoryQuery(params: URLSearchParams): HistoryQuery {
  return readSearchParams(params, historyQuerySchema);
}
