import * as v from 'valibot';
import { STREAMS } from '@/contracts/streams';

/**
 * The wire contract shared by every path that carries a stored row: the legacy feed's
 * event frames, the history API's items and (reshaped from its flat row) Realtime's
 * postgres_changes record. One shape, checked with this one schema at every boundary.
 * Valibot (one function per check, so a bundle carries only the checks used): the browser
 * parses every frame with it (in the feed runtime, loaded when the dashboard mounts); zod's
 * core is not tree-shakable (~23 KB gzip even through `zod/mini`).
 */

export { STREAMS, type Stream } from '@/contracts/streams';
export const streamSchema = v.picklist(STREAMS);

/** A JSON number that is a safe integer ≥ `min` (bigint ids, counters). */
export const safeInt = (min: number) => v.pipe(v.number(), v.safeInteger(), v.minValue(min));

/** One stored row: the durable identity given at ingest plus every other column in `data`. */
export const envelopeSchema = v.object({
  /** bigint id from the table: the per-stream sequence (JSON number, safe integer). */
  id: safeInt(1),
  event_id: v.pipe(v.string(), v.uuid()),
  stream: streamSchema,
  /** Server time at insert, ISO 8601 with an offset (µs precision from Postgres). */
  emitted_at: v.pipe(v.string(), v.isoTimestamp()),
  data: v.record(v.string(), v.unknown()),
});
export type Envelope = v.InferOutput<typeof envelopeSchema>;

/** The first failed check of a parse, as `path: message` (`fallback` names the whole value). */
export function describeIssue(issues: readonly v.BaseIssue<unknown>[], fallback: string, prefix?: string): string {
  const issue = issues[0];
  if (!issue) return `${fallback}: invalid`;
  const path = [prefix, v.getDotPath(issue)].filter(Boolean).join('.');
  return `${path || fallback}: ${issue.message}`;
}
