import type { PostgresChangeData, PostgresChanges, PostgresChangesSubscriber, SubscriberClaims } from '../../servers/local-supabase/realtime/postgres-changes/contract.js';

/**
 * An in-memory postgres_changes extension for testing the socket layer's side of the
 * contract: it accepts every subscription and lets the test emit changes by hand.
 */
export class ScriptedPostgresChanges implements PostgresChanges {
  readonly subscribers = new Map<string, PostgresChangesSubscriber>();
  readonly unsubscribed: string[] = [];
  readonly claimUpdates: Array<{ key: string; claims: SubscriberClaims }> = [];
  /** Outcome reported to new subscribers; `'later'` leaves it to {@link settle}. */
  outcome: { status: 'ok' | 'error'; message: string } | 'later' = { status: 'ok', message: 'Subscribed to PostgreSQL' };

  subscribe(subscriber: PostgresChangesSubscriber): void {
    this.subscribers.set(subscriber.key, subscriber);
    if (this.outcome !== 'later') subscriber.status(this.outcome);
  }

  /** Reports an outcome to every current subscriber (for subscriptions left pending). */
  settle(result: { status: 'ok' | 'error'; message: string }): void {
    for (const subscriber of this.subscribers.values()) subscriber.status(result);
  }

  updateClaims(key: string, claims: SubscriberClaims): void {
    this.claimUpdates.push({ key, claims });
  }

  unsubscribe(key: string): void {
    this.subscribers.delete(key);
    this.unsubscribed.push(key);
  }

  /** Delivers `data` to every subscriber, with the ids of all its bindings. */
  emit(data: PostgresChangeData): void {
    for (const subscriber of this.subscribers.values()) subscriber.deliver({ ids: subscriber.bindings.map((b) => b.id), data });
  }

  async close(): Promise<void> {
    this.subscribers.clear();
  }
}
