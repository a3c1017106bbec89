/**
 * The seam between the Realtime socket layer (channels, frames) and the postgres_changes
 * extension (logical replication, filters, RLS). The socket layer never touches
 * Postgres; the extension never touches a socket.
 */

/** One `config.postgres_changes` entry exactly as the client sent it (echoed verbatim + `id`). */
export interface PostgresChangesBinding {
  event: string;
  schema: string;
  table?: string;
  filter?: string;
  select?: string[];
  /** Deterministic, non-zero integer derived from the entry (identical params ⇒ identical id). */
  id: number;
}

/** JWT claims of the subscriber; `role` is the Postgres role RLS is evaluated as. */
export type SubscriberClaims = Record<string, unknown> & { role: string };

/** `data` of a `postgres_changes` frame, as realtime-protocol.md §3.1 shapes it. */
export interface PostgresChangeData {
  schema: string;
  table: string;
  type: 'INSERT' | 'UPDATE' | 'DELETE';
  commit_timestamp?: string;
  columns?: Array<{ name: string; type: string }>;
  record?: Record<string, unknown>;
  old_record?: Record<string, unknown>;
  errors: string[] | null;
}

export interface PostgresChangesSubscriber {
  /** Unique per joined channel instance (topic + join_ref + socket). */
  key: string;
  bindings: PostgresChangesBinding[];
  claims: SubscriberClaims;
  /** Called in commit order with the ids of this subscriber's matching bindings. */
  deliver(frame: { ids: number[]; data: PostgresChangeData }): void;
  /**
   * Subscription outcome, sent by the socket layer as a `system` message:
   * ok → "Subscribed to PostgreSQL"; error → the real server's message text.
   */
  status(result: { status: 'ok'; message: string } | { status: 'error'; message: string }): void;
}

export interface PostgresChanges {
  /** Validates bindings (publication, filters), then starts delivery. Never throws. */
  subscribe(subscriber: PostgresChangesSubscriber): void;
  /** Re-evaluates with new claims (after an `access_token` push). */
  updateClaims(key: string, claims: SubscriberClaims): void;
  unsubscribe(key: string): void;
  close(): Promise<void>;
}
