import type { z } from 'zod';
import { ApiError } from '@/lib/api/api-error';
import { formatIssues } from '@/lib/api/read-json-body';
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '@/lib/api/storable-text';

/**
 * Parses a query string the way readJsonBody parses bodies: each parameter once, no text
 * Postgres cannot store, then the route's schema (strict schemas name an unknown parameter:
 * `x: unknown query parameter`). Every refusal is a 400 naming the parameter.
 */
export function readSearchParams<T extends z.ZodType>(params: URLSearchParams, schema: T): z.infer<T> {
  const raw: Record<string, string> = {};
  for (const [key, value] of params) {
    if (!isStorableText(key) || !isStorableText(value)) throw new ApiError('validation_failed', `${isStorableText(key) ? key : 'query'}: ${UNSTORABLE_TEXT_MESSAGE}`);
    if (Object.hasOwn(raw, key)) throw new ApiError('validation_failed', `${key}: give it once`);
    raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ApiError('validation_failed', formatIssues(parsed.error.issues, 'query parameter'));
  return parsed.data;
}
