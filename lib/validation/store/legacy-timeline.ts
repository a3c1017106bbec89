import 'server-only';
import type pg from 'pg';
import { legacyFeedEnabled } from '@/lib/rollout/stages';
import { DEFAULT_CONFIG, rolloutConfigSchema } from '@/lib/rollout/config';

/** Config changes reach ingest within about a second (per-process cache); this leaves room. */
export const PROPAGATION_MARGIN_MS = 5_000;

/**
 * Whether the legacy feed was publishing, steadily, around a moment of [fromMs, toMs):
 * read from the audited config changes. Within the margin of a change that turned it on
 * or off nothing is expected of the legacy feed (ingest may have seen either config).
 */
export async function legacyPublishingBetween(client: pg.Pool | pg.PoolClient, fromMs: number, toMs: number): Promise<(emittedMs: number) => boolean> {
  const from = new Date(fromMs - PROPAGATION_MARGIN_MS).toISOString();
  const to = new Date(toMs + PROPAGATION_MARGIN_MS).toISOString();
  const [before, changes] = await Promise.all([
    client.query<{ after: unknown }>('select after from public.rollout_audit where at < $1 order by id desc limit 1', [from]),
    client.query<{ at_ms: number; before: unknown; after: unknown }>(
      'select (extract(epoch from at) * 1000)::float8 as at_ms, before, after from public.rollout_audit where at >= $1 and at < $2 order by id',
      [from, to],
    ),
  ]);
  const enabled = (raw: unknown) => {
    const parsed = rolloutConfigSchema.safeParse(raw);
    return legacyFeedEnabled(parsed.success ? parsed.data : DEFAULT_CONFIG);
  };
  const startsEnabled = before.rows[0] ? enabled(before.rows[0].after) : changes.rows[0] ? enabled(changes.rows[0].before) : true;
  const toggles = changes.rows.filter((row) => enabled(row.before) !== enabled(row.after)).map((row) => row.at_ms);
  let state = startsEnabled;
  const states = changes.rows.map((row) => ({ at: row.at_ms, on: (state = enabled(row.after)) }));
  return (emittedMs) => {
    if (toggles.some((at) => Math.abs(at - emittedMs) <= PROPAGATION_MARGIN_MS)) return false;
    let on = startsEnabled;
    for (const change of states) if (change.at <= emittedMs) on = change.on;
    return on;
  };
}
