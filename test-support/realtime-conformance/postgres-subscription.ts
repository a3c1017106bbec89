import type { RealtimeChannel, RealtimeChannelOptions, SupabaseClient } from '@supabase/supabase-js';
import { subscribeLogged, waitForStatus, type StatusEntry } from './channel-status.js';
import { EventLog, type WaitOptions } from './event-log.js';

export interface Binding {
  event: '*' | 'INSERT' | 'UPDATE' | 'DELETE';
  schema: string;
  table?: string;
  filter?: string;
}

/** What a postgres_changes callback receives (realtime-js transform of the frame, §3.2). */
export interface Change {
  schema: string;
  table: string;
  commit_timestamp: string;
  eventType: 'INSERT' | 'UPDATE' | 'DELETE';
  new: Record<string, any>;
  old: Record<string, any>;
  errors: string[] | null;
}

/** A postgres_changes callback invocation: which binding (index) fired, with what. */
export interface ChangeEvent {
  binding: number;
  change: Change;
}

export interface SystemMessage {
  extension: string;
  status: string;
  message: string;
  channel?: string;
}

export interface PostgresSubscription {
  channel: RealtimeChannel;
  statuses: EventLog<StatusEntry>;
  system: EventLog<SystemMessage>;
  /** Callbacks of the test's own bindings (the marker binding is not in here). */
  changes: EventLog<ChangeEvent>;
  /** Ids of `public.markers` rows this channel saw. */
  markers: EventLog<number>;
  /** Resolves once the marker row `id` arrived: every earlier commit has been dispatched. */
  waitMarker(id: number, options?: WaitOptions): Promise<void>;
}

const MARKER_BINDING: Binding = { event: 'INSERT', schema: 'public', table: 'markers' };

export interface ListenOptions {
  /** Append a binding on `public.markers` (default true). */
  marker?: boolean;
  config?: RealtimeChannelOptions['config'];
  /** Registers further listeners before subscribe() (presence/postgres ones are refused after). */
  setup?: (channel: RealtimeChannel) => void;
}

/** Registers the bindings (in order) plus a `system` listener, and subscribes. */
export function listenPostgres(client: SupabaseClient, name: string, bindings: readonly Binding[], options: ListenOptions = {}): PostgresSubscription {
  const channel = client.channel(name, { config: options.config ?? {} });
  const system = new EventLog<SystemMessage>(`system of ${name}`);
  const changes = new EventLog<ChangeEvent>(`changes of ${name}`);
  const markers = new EventLog<number>(`markers of ${name}`);
  channel.on('system', {}, (payload: SystemMessage) => system.push(payload));
  bindings.forEach((binding, index) => {
    channel.on('postgres_changes', binding as never, (change: Change) => changes.push({ binding: index, change }));
  });
  if (options.marker ?? true) {
    channel.on('postgres_changes', MARKER_BINDING as never, (change: Change) => markers.push((change.new as { id: number }).id));
  }
  options.setup?.(channel);
  const statuses = subscribeLogged(channel);
  return {
    channel,
    statuses,
    system,
    changes,
    markers,
    async waitMarker(id, waitOptions = {}) {
      await markers.waitFor((seen) => seen === id, { what: `marker ${id}`, ...waitOptions });
    },
  };
}

export function isSubscribedToPostgres(message: SystemMessage): boolean {
  return message.extension === 'postgres_changes' && message.status === 'ok' && message.message === 'Subscribed to PostgreSQL';
}

/** Subscribes and waits for `SUBSCRIBED` and then `Subscribed to PostgreSQL` (§2.5): changes committed afterwards are delivered. */
export async function subscribePostgres(client: SupabaseClient, name: string, bindings: readonly Binding[], options: ListenOptions = {}): Promise<PostgresSubscription> {
  const subscription = listenPostgres(client, name, bindings, options);
  await waitForStatus(subscription.statuses, 'SUBSCRIBED');
  await postgresReady(subscription);
  return subscription;
}

/** Waits for the next postgres_changes `system` message (after `after`) and fails fast unless it is "Subscribed to PostgreSQL". */
export async function postgresReady(subscription: PostgresSubscription, options: WaitOptions = {}): Promise<void> {
  const outcome = await subscription.system.waitFor((message) => message.extension === 'postgres_changes', { what: 'postgres_changes system message', ...options });
  if (!isSubscribedToPostgres(outcome)) {
    throw new Error(`conformance: ${subscription.channel.topic}: expected "Subscribed to PostgreSQL", got ${JSON.stringify(outcome)}`);
  }
}
