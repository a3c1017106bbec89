import { randomBytes } from 'node:crypto';
import { BroadcastHub } from './broadcast-hub.js';
import type { DatabaseBroadcast } from './database-broadcast/database-broadcast.js';
import type { JwtVerifier } from './jwt.js';
import { createJwtVerifier } from './jwt.js';
import type { RealtimeLimits } from './limits.js';
import type { PostgresChanges } from './postgres-changes/contract.js';
import { RollingRate } from './rolling-rate.js';
import { OutboxFlusher } from './frame-outbox.js';

/** A live connection as the server-wide context sees it. */
export interface SessionHandle {
  readonly id: string;
  readonly channels: Map<string, unknown>;
  terminate(): void;
  /** Fault: stop reading and writing without closing the TCP connection (half-open). */
  freeze(): void;
  idleSince(): number;
  /** Bytes accepted for this connection but not yet handed to the kernel. */
  backlog(): number;
}

/** What the fault switches (`Realtime.faults`) have set; all off by default. */
export interface RealtimeFaultState {
  postgresDropRate: number;
  /** The next this-many postgres_changes deliveries are dropped (whichever subscriber they are for). */
  postgresDropNext: number;
  ignoreHeartbeats: boolean;
  /** postgres_changes subscriptions made while set: no delivery and no `Subscribed to PostgreSQL` for this long. */
  databaseReadyDelayMs: number;
  /** The next this-many upgrades are refused with HTTP 429 `Too many connected users`. */
  upgradeRefusals: number;
  /** The next `remaining` joins are refused with `reason` (and the socket closed when `disconnect`). */
  joinRefusals: { remaining: number; reason: string; disconnect: boolean; sent: number };
}

/** Every fault switch off. */
export function noFaults(): RealtimeFaultState {
  return { postgresDropRate: 0, postgresDropNext: 0, ignoreHeartbeats: false, databaseReadyDelayMs: 0, upgradeRefusals: 0, joinRefusals: { remaining: 0, reason: '', disconnect: false, sent: 0 } };
}

/** Shared state of one Realtime instance (one "tenant"). */
export interface RealtimeContext {
  readonly limits: RealtimeLimits;
  readonly verify: JwtVerifier;
  readonly hub: BroadcastHub;
  readonly postgresChanges: PostgresChanges | undefined;
  /** Broadcast from Database and `realtime.messages` policies; absent without a database. */
  readonly database: DatabaseBroadcast | undefined;
  readonly sessions: Set<SessionHandle>;
  readonly joinRate: RollingRate;
  readonly eventRate: RollingRate;
  /** postgres_changes deliveries (upstream's `db_events` counter, same limit as `eventRate`). */
  readonly dbEventRate: RollingRate;
  readonly presenceRate: RollingRate;
  /** Deliveries (frames sent to subscribers) for `messagesPerSecond`. */
  readonly deliveries: RollingRate;
  readonly totals: { deliveries: number; joins: number; connections: number };
  /** Deliveries counted in `totals` but not yet in `deliveries` (recorded once per turn). */
  unrecordedDeliveries: number;
  /** Writes each connection's frames of a turn at the end of that turn. */
  readonly flusher: OutboxFlusher;
  readonly faults: RealtimeFaultState;
  log(line: string): void;
  nextPhxRef(): string;
  nextId(): string;
}

export function createRealtimeContext(options: {
  jwtSecret: string;
  limits: RealtimeLimits;
  postgresChanges: PostgresChanges | undefined;
  database?: DatabaseBroadcast | undefined;
  onLog: ((line: string) => void) | undefined;
}): RealtimeContext {
  const { limits } = options;
  // phx_refs must be unique across server restarts too (clients merge presence by phx_ref).
  const prefix = `F${randomBytes(6).toString('base64url')}`;
  let counter = 0;
  const ctx: RealtimeContext = {
    limits,
    verify: createJwtVerifier(options.jwtSecret),
    hub: new BroadcastHub(),
    postgresChanges: options.postgresChanges,
    database: options.database,
    sessions: new Set(),
    joinRate: new RollingRate(limits.maxJoinsPerSecond, limits.rateWindowMs),
    eventRate: new RollingRate(limits.maxEventsPerSecond, limits.rateWindowMs),
    dbEventRate: new RollingRate(limits.maxEventsPerSecond, limits.rateWindowMs),
    presenceRate: new RollingRate(limits.maxPresenceEventsPerSecond, limits.rateWindowMs),
    deliveries: new RollingRate(Number.POSITIVE_INFINITY, 5_000),
    totals: { deliveries: 0, joins: 0, connections: 0 },
    unrecordedDeliveries: 0,
    flusher: new OutboxFlusher(
      () => recordDeliveries(ctx),
      (error) => ctx.log(`writing a connection's frames failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
    ),
    faults: noFaults(),
    log: (line) => options.onLog?.(`realtime: ${line}`),
    nextPhxRef: () => `${prefix}${(counter += 1).toString(36)}`,
    nextId: () => (counter += 1).toString(36),
  };
  return ctx;
}

/** Counts `n` deliveries towards the statistics (the rate takes them at the end of the turn). */
export function countDeliveries(ctx: RealtimeContext, n: number): void {
  ctx.totals.deliveries += n;
  ctx.unrecordedDeliveries += n;
}

/** Moves the turn's delivery count into the rolling rate. */
export function recordDeliveries(ctx: RealtimeContext): void {
  if (ctx.unrecordedDeliveries === 0) return;
  ctx.deliveries.record(ctx.unrecordedDeliveries);
  ctx.unrecordedDeliveries = 0;
}
