import type { RealtimeContext } from './realtime-context.js';

/**
 * The project's concurrent users as Realtime counts them (`Realtime.UsersCounter`): a
 * connection counts once it has joined a channel, until it closes. Both the upgrade
 * (user_socket.ex → 429 `Too many connected users`) and each join (realtime_channel.ex
 * `limit_max_users` → `ConnectionRateLimitReached: Too many connected users`) read it.
 */
const counted = new WeakMap<RealtimeContext, Set<object>>();

function usersOf(ctx: RealtimeContext): Set<object> {
  let users = counted.get(ctx);
  if (!users) counted.set(ctx, (users = new Set()));
  // Closed connections leave the count (the real counter follows the transport's exit).
  if (users.size >= ctx.limits.maxConcurrentUsers) for (const user of users) if (!ctx.sessions.has(user as never)) users.delete(user);
  return users;
}

/** Whether a new connection, or a connection not yet counted, would be over the limit. */
export function overUserLimit(ctx: RealtimeContext, session?: object): boolean {
  const users = usersOf(ctx);
  if (session && users.has(session)) return false;
  return users.size >= ctx.limits.maxConcurrentUsers;
}

/** Counts a connection that has just joined a channel. */
export function countUser(ctx: RealtimeContext, session: object): void {
  usersOf(ctx).add(session);
}
