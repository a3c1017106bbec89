import { AccessCatalog } from './access-catalog.js';
import { validateBindings } from './binding-validation.js';
import { ChangeRouter } from './change-router.js';
import type { PostgresChanges, PostgresChangesSubscriber, SubscriberClaims } from './contract.js';
import { DeliveryPipeline } from './delivery-pipeline.js';
import { formatLsn } from './lsn.js';
import { createQueryPool } from './query-pool.js';
import { startReplicationStream } from './replication-stream.js';
import { claimsOf, SubscriberRegistry, type SubscriptionEntry } from './subscriber-registry.js';
import { TransactionAssembler } from './transaction-assembler.js';
import { TypeCatalog } from './type-catalog.js';

const SUBSCRIBED = 'Subscribed to PostgreSQL';
const UNREACHABLE = 'Realtime was unable to connect to the project database';
/** Policies, privileges and RLS flags are re-read this often (and on every Relation message). */
const ACCESS_REFRESH_MS = 1_000;

export interface PostgresChangesOptions {
  /** Superuser (or replication-capable) connection URL of the project database. */
  databaseUrl: string;
  /** Permanent logical replication slot; default `switchyard_realtime_<database>`. */
  slotName?: string;
  publication?: string;
  onLog?: (line: string) => void;
}

export interface PostgresChangesStats {
  slotName: string;
  connected: boolean;
  reconnects: number;
  subscribers: number;
  transactions: number;
  changes: number;
  deliveries: number;
  pendingTransactions: number;
  confirmedLsn: string;
  skippedReplays: number;
  rlsFastPath: number;
  rlsQueries: number;
  rlsGroupsChecked: number;
  accessRefreshes: number;
}

/** The postgres_changes extension plus its readiness and counters. */
export interface PostgresChangesExtension extends PostgresChanges {
  /** Resolves once the slot exists and the stream has started (subscriptions wait for it). */
  ready: Promise<void>;
  stats(): PostgresChangesStats;
}

/**
 * postgres_changes over logical replication (pgoutput) from a permanent slot: validates
 * bindings, routes each committed change to matching subscribers (filters, RLS) in commit
 * order, and confirms WAL to the slot only after it has been handed to `deliver()`.
 */
// eslint-disable-next-line max-lines-per-function -- a factory wiring the slot, the router and the delivery pipeline; the logic lives in those modules.
export async function createPostgresChanges(options: PostgresChangesOptions): Promise<PostgresChangesExtension> {
  const log = (line: string) => options.onLog?.(line);
  const publication = options.publication ?? 'supabase_realtime';
  const slotName = options.slotName ?? defaultSlotName(options.databaseUrl);
  const db = createQueryPool(options.databaseUrl, log);
  const types = new TypeCatalog((sql, values) => db.query(sql, values).then((rows) => ({ rows }) as never));
  const access = new AccessCatalog(db, publication);
  const registry = new SubscriberRegistry();
  const pendingSubscriptions = new Map<string, SubscriptionEntry>();
  const router = new ChangeRouter({ registry, access, types, db, log });
  let closed = false;

  const refreshAccess = () => void access.refresh().catch((error: unknown) => log(`realtime: postgres_changes: cannot read policies: ${String(error)}`));
  const pipeline = new DeliveryPipeline({
    prepare: (transaction) => router.prepare(transaction),
    confirm: (lsn) => stream.confirm(lsn),
    pause: () => stream.pause(),
    resume: () => stream.resume(),
    log,
  });
  const assembler = new TransactionAssembler({
    transaction: (transaction) => pipeline.enqueue(transaction),
    position: (lsn) => pipeline.enqueuePosition(lsn),
    relation: () => refreshAccess(),
  });
  const stream = startReplicationStream({
    databaseUrl: options.databaseUrl,
    slotName,
    publication,
    onMessage: (message) => {
      if (!closed) assembler.handle(message);
    },
    onKeepalive: (walEnd) => {
      if (!closed) assembler.keepalive(walEnd);
    },
    onSessionStart: () => assembler.reset(),
    log,
  });
  const refreshTimer = setInterval(() => {
    if (registry.size > 0) refreshAccess();
  }, ACCESS_REFRESH_MS);
  refreshTimer.unref();

  const report = (entry: SubscriptionEntry, result: { status: 'ok' | 'error'; message: string }) => {
    try {
      entry.subscriber.status(result);
    } catch (error) {
      log(`realtime: postgres_changes: status callback threw for ${entry.key}: ${String(error)}`);
    }
  };

  /** Validates, registers, then reports ok: anything committed after the ok is routed to it. */
  const activate = async (entry: SubscriptionEntry) => {
    try {
      await stream.ready;
      access.trackRole(entry.role);
      const result = await validateBindings(db, types, publication, entry.role, entry.subscriber.bindings);
      if (!entry.active) return;
      if (!result.ok) {
        pendingSubscriptions.delete(entry.key);
        registry.delete(entry.key);
        report(entry, { status: 'error', message: result.message });
        return;
      }
      await access.refresh();
      if (!entry.active) return;
      entry.targets = result.targets;
      pendingSubscriptions.delete(entry.key);
      registry.set(entry);
      report(entry, { status: 'ok', message: SUBSCRIBED });
    } catch (error) {
      if (!entry.active || closed) return;
      log(`realtime: postgres_changes: subscribe ${entry.key} failed: ${String(error)}`);
      pendingSubscriptions.delete(entry.key);
      report(entry, { status: 'error', message: UNREACHABLE });
    }
  };

  const remove = (key: string) => {
    const pending = pendingSubscriptions.get(key);
    if (pending) pending.active = false;
    pendingSubscriptions.delete(key);
    registry.delete(key);
  };

  return {
    ready: stream.ready,
    subscribe(subscriber: PostgresChangesSubscriber) {
      if (closed) return;
      remove(subscriber.key);
      const entry: SubscriptionEntry = { key: subscriber.key, subscriber, claims: subscriber.claims, ...claimsOf(subscriber.claims), targets: [], active: true };
      pendingSubscriptions.set(entry.key, entry);
      void activate(entry);
    },
    updateClaims(key: string, claims: SubscriberClaims) {
      const current = registry.get(key) ?? pendingSubscriptions.get(key);
      if (!current || closed) return;
      // A fresh subscription with the new claims (the real server re-subscribes and says so again);
      // the old one keeps delivering until the new one is live, so nothing committed in between is lost.
      const entry: SubscriptionEntry = { key, subscriber: current.subscriber, claims, ...claimsOf(claims), targets: [], active: true };
      current.claims = claims;
      Object.assign(current, claimsOf(claims));
      // Cohorts are keyed by role: the live entry may have just changed its.
      registry.reindex();
      if (pendingSubscriptions.has(key)) pendingSubscriptions.get(key)!.active = false;
      pendingSubscriptions.set(key, entry);
      void activate(entry);
    },
    unsubscribe(key: string) {
      remove(key);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(refreshTimer);
      for (const key of [...pendingSubscriptions.keys()]) remove(key);
      await pipeline.drain(2_000);
      await stream.close();
      await db.close().catch(() => undefined);
    },
    stats(): PostgresChangesStats {
      return {
        slotName,
        connected: stream.connected,
        reconnects: stream.reconnects,
        subscribers: registry.size,
        transactions: pipeline.counters.transactions,
        changes: router.counters.changes,
        deliveries: pipeline.counters.deliveries,
        pendingTransactions: pipeline.pending,
        confirmedLsn: formatLsn(pipeline.confirmedLsn),
        skippedReplays: assembler.skippedReplays,
        rlsFastPath: router.counters.rlsFastPath,
        rlsQueries: router.counters.rlsQueries,
        rlsGroupsChecked: router.counters.rlsGroupsChecked,
        accessRefreshes: access.refreshes,
      };
    },
  };
}

function defaultSlotName(databaseUrl: string): string {
  let database = 'postgres';
  try {
    database = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, '')) || 'postgres';
  } catch {
    // Not a URL (a libpq keyword string): keep the default database name.
  }
  return `switchyard_realtime_${database.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
}
