import type { JoinedChannel } from './channel.js';
import { shutdownChannel } from './channel-close.js';
import { countDeliveries, type RealtimeContext } from './realtime-context.js';

/** What a channel hears when the project is over its messages per second (realtime_channel.ex `:update_rate_counter`). */
export const TOO_MANY_MESSAGES = 'Too many messages per second';

/**
 * The project's messages per second as Supabase counts them: "a WebSocket message delivered
 * to, or sent from a client" (limits.mdx). Every broadcast a client sends counts once here
 * ({@link countSent}); every copy delivered counts once more ({@link countDelivered}). Upstream
 * each delivery sends `:update_rate_counter` to the receiving channel, which shuts itself down
 * while the tenant's counter is triggered; so here every channel that just received, while the
 * project is over the limit, gets `system` "Too many messages per second" + `phx_close`.
 * The sender of a broadcast is not shut down for sending (upstream neither).
 */
export function countSent(ctx: RealtimeContext, n = 1): void {
  ctx.eventRate.record(n);
}

/** Whether the project is already over its messages per second (REST broadcasts answer 429 then). */
export function overMessageRate(ctx: RealtimeContext): boolean {
  return ctx.eventRate.over();
}

/**
 * Counts `delivered` messages, in the server's throughput statistics and against the project's
 * limit; over the limit, shuts down the channels `receivers()` names.
 */
export function countDelivered(ctx: RealtimeContext, delivered: number, receivers: () => Iterable<JoinedChannel>): void {
  if (delivered === 0) return;
  countDeliveries(ctx, delivered);
  ctx.eventRate.record(delivered);
  if (!ctx.eventRate.over()) return;
  for (const channel of [...receivers()]) shutdownChannel(ctx, channel, TOO_MANY_MESSAGES);
}

const DB_EVENTS_LOG_EVERY_MS = 5_000;
const lastDbEventsLog = new WeakMap<RealtimeContext, number>();

/**
 * One postgres_changes delivery against the project's limit (replication_poller.ex: the
 * `db_events` counter, per subscription a change goes to). While over, changes are skipped
 * without a word to the client, as upstream's poller skips them (logged
 * `MessagePerSecondRateLimitReached: Too many postgres changes messages per second`).
 * Returns false for a change that must not be delivered.
 */
export function admitPostgresChange(ctx: RealtimeContext): boolean {
  if (!ctx.dbEventRate.hit()) return true;
  const now = Date.now();
  if (now - (lastDbEventsLog.get(ctx) ?? 0) >= DB_EVENTS_LOG_EVERY_MS) {
    lastDbEventsLog.set(ctx, now);
    ctx.log('MessagePerSecondRateLimitReached: Too many postgres changes messages per second');
  }
  return false;
}
