import { ApiError } from '@/lib/api/api-error';

/**
 * The items of one stream with repeated `event_id`s collapsed to their first occurrence.
 * A repeat with a different payload, or an `event_id` already used by the other stream
 * (`taken`: event_id → where), makes the whole batch invalid.
 */
export function uniqueItems<T extends { event_id: string }>(items: readonly T[], field: string, taken: ReadonlyMap<string, string> = new Map()): T[] {
  const seen = new Map<string, { index: number; json: string }>();
  const unique: T[] = [];
  items.forEach((item, index) => {
    const other = taken.get(item.event_id);
    if (other) throw new ApiError('validation_failed', `${field}[${index}].event_id: already used by ${other} in this batch`);
    const json = JSON.stringify(item);
    const first = seen.get(item.event_id);
    if (!first) {
      seen.set(item.event_id, { index, json });
      unique.push(item);
    } else if (first.json !== json) {
      throw new ApiError('validation_failed', `${field}[${index}].event_id: repeats ${field}[${first.index}] with a different payload`);
    }
  });
  return unique;
}
