import type { DashboardView } from './dashboard-view';
import type { RolloutAdmin } from './rollout-admin';

export interface PageVsDatabase {
  /** The page's oldest held row is at or before the id the check must cover (e.g. a transport switch). */
  covers: boolean;
  /** Rows in the database within the page's id range that the page lacks (first 10). */
  missing: number[];
  /** Ids the page holds that the database does not have (first 10). */
  extra: number[];
  /** Ids the page holds more than once (first 10). */
  duplicates: number[];
}

/** What a correct page gives: exactly the database's rows of its range, covering the id asked for. */
export const EXACTLY_THE_DATABASE_ROWS: PageVsDatabase = { covers: true, missing: [], extra: [], duplicates: [] };

/**
 * One continuity check of the cache metrics the page holds (the dashboard's "Data held"
 * table), compared with the database's rows in the same id range (the database is the
 * truth; the history API reads it).
 */
export async function comparePageWithDatabase(dashboard: DashboardView, admin: RolloutAdmin, mustCover: number): Promise<PageVsDatabase> {
  const held = await dashboard.dataHeld('cache_metrics');
  if (held.first === null || held.last === null) return { covers: false, missing: [], extra: [], duplicates: [] };
  const database = new Set(await admin.metricIdsBetween(held.first, held.last));
  const lacking = new Set(held.missing);
  const extra: number[] = [];
  for (let id = held.first; id <= held.last && extra.length < 10; id += 1) if (!lacking.has(id) && !database.has(id)) extra.push(id);
  return {
    covers: held.first <= mustCover,
    missing: [...database].filter((id) => lacking.has(id)).slice(0, 10),
    extra,
    duplicates: held.repeated.slice(0, 10),
  };
}
