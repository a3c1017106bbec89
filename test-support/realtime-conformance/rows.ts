import type { ChangeEvent, PostgresSubscription } from './postgres-subscription.js';
import type { DatabaseStack } from './stack.js';

/** Commits one row into `public.<table>` (superuser connection: RLS does not hide writes). */
export async function insertRow(stack: DatabaseStack, table: string, row: Record<string, unknown>): Promise<void> {
  const columns = Object.keys(row);
  const placeholders = columns.map((_column, index) => `$${index + 1}`);
  await stack.pool.query(`insert into public.${table} (${columns.join(', ')}) values (${placeholders.join(', ')})`, Object.values(row));
}

/** Commits a marker row and waits until every subscription has seen it: all earlier commits were dispatched. */
export async function settle(stack: DatabaseStack, ...subscriptions: PostgresSubscription[]): Promise<void> {
  const marker = await stack.marker();
  for (const subscription of subscriptions) await subscription.waitMarker(marker);
}

/** Row ids of the events (of one binding, when given), in arrival order. */
export function idsOf(events: readonly ChangeEvent[], binding?: number): number[] {
  return events
    .filter((event) => binding === undefined || event.binding === binding)
    .map((event) => (event.change.eventType === 'DELETE' ? event.change.old : event.change.new).id as number);
}

/** A `public.todos` row as the client sees it, with the columns the test did not set. */
export function todoRow(id: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, name: null, done: false, meta: null, tags: null, big: null, status: null, note: null, ...extra };
}
