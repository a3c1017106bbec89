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
 * One look at the cache_metrics ids the page holds, compared with the database's rows in
 * the same id range (the database is the truth; the history API reads it).
 */
export async function comparePageWithDatabase(dashboard: DashboardView, admin: RolloutAdmin, mustCover: number): Promise<PageVsDatabase> {
  const ids = await dashboard.metricIds();
  const first = ids[0];
  const last = ids.at(-1);
  if (first === undefined || last === undefined) return { covers: false, missing: [], extra: [], duplicates: [] };
  const database = new Set(await admin.metricIdsBetween(first, last));
  const seen = new Set<number>();
  const duplicates: number[] = [];
  for (const id of ids) {
    if (seen.has(id)) duplicates.push(id);
    seen.add(id);
  }
  return {
    covers: first <= mustCover,
    missing: [...database].filter((id) => !seen.has(id)).slice(0, 10),
    extra: [...seen].filter((id) => !database.has(id)).slice(0, 10),
    duplicates: duplicates.slice(0, 10),
  };
}
