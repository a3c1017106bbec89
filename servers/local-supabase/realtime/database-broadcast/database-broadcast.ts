import type pg from 'pg';
import { createPool } from '../../../../lib/db/create-pool.js';
import type { PgOutputMessage, RelationMessage } from '../postgres-changes/pgoutput.js';
import { startReplicationStream } from '../postgres-changes/replication-stream.js';
import { SESSION_OPTIONS } from '../postgres-changes/session-options.js';
import { TransactionAssembler } from '../postgres-changes/transaction-assembler.js';
import type { AuthorizationContext, ChannelPolicies } from './authorization.js';
import { evaluatePolicies } from './authorization.js';
import type { DatabaseMessage } from './message.js';
import { byteaFromHex } from './message.js';
import { maintainPartitions } from './partitions.js';
import { replayMessages } from './replay.js';
import { processAlive } from '../../../process-alive.js';

export const MESSAGES_PUBLICATION = 'supabase_realtime_messages_publication';
/** Partitions are checked this often (a new day needs its partition before its first message). */
const PARTITION_SWEEP_MS = 10 * 60_000;

export interface DatabaseBroadcastOptions {
  databaseUrl: string;
  onLog?: (line: string) => void;
}

export interface DatabaseBroadcastStats {
  slotName: string;
  connected: boolean;
  reconnects: number;
  messages: number;
  undeliverable: number;
}

/**
 * Broadcast from Database and private-channel authorization: streams inserts into
 * `realtime.messages` from the WAL (its own slot on `supabase_realtime_messages_publication`)
 * and hands each to `onMessage` in commit order; evaluates `realtime.messages` policies; replays
 * stored messages; keeps the daily partitions.
 */
export interface DatabaseBroadcast {
  /** Resolves once the slot exists and streaming has started. */
  readonly ready: Promise<void>;
  /** Whether the replication stream is live right now (`replication_ready`). */
  readonly connected: boolean;
  onMessage(listener: (message: DatabaseMessage) => void): void;
  authorize(context: AuthorizationContext, options: { presence: boolean }): Promise<ChannelPolicies>;
  replay(topic: string, sinceMs: number, limit: number): Promise<DatabaseMessage[]>;
  /** Creates the partitions around today and drops those past retention (also runs on a timer). */
  maintainPartitions(now?: Date): Promise<{ created: string[]; dropped: string[] }>;
  stats(): DatabaseBroadcastStats;
  close(): Promise<void>;
}

// eslint-disable-next-line max-lines-per-function -- a factory wiring the slot, partitions, authorization and delivery; the logic lives in the modules beside it.
export async function createDatabaseBroadcast(options: DatabaseBroadcastOptions): Promise<DatabaseBroadcast> {
  const log = (line: string) => options.onLog?.(`realtime: broadcast from database: ${line}`);
  const pool: pg.Pool = createPool({ connectionString: options.databaseUrl, max: 4, options: SESSION_OPTIONS, idleTimeoutMillis: 30_000 } as pg.PoolConfig, (error) =>
    log(`idle connection lost: ${error.message}`),
  );
  // One slot per process, dropped on close; slots left by processes that died are dropped here.
  const prefix = `switchyard_realtime_messages_${databaseName(options.databaseUrl)}_`.slice(0, 50);
  const slotName = `${prefix}${process.pid}`;
  await dropOrphanedSlots(pool, prefix, log);
  await pool.query(
    `do $$ begin
       if not exists (select 1 from pg_publication where pubname = '${MESSAGES_PUBLICATION}') then
         create publication ${MESSAGES_PUBLICATION} for table realtime.messages;
       end if;
     end $$`,
  );
  await maintainPartitions(pool);
  const sweep = setInterval(() => void maintainPartitions(pool).catch((error: unknown) => log(`partition maintenance failed: ${String(error)}`)), PARTITION_SWEEP_MS);
  sweep.unref();

  const listeners: Array<(message: DatabaseMessage) => void> = [];
  let messages = 0;
  let undeliverable = 0;
  let closed = false;

  const deliver = (relation: RelationMessage, values: Array<string | null | undefined>) => {
    const row = new Map<string, string | null | undefined>();
    relation.columns.forEach((column, index) => row.set(column.name, values[index]));
    const id = row.get('id');
    const topic = row.get('topic');
    const extension = row.get('extension');
    const payload = row.get('payload') ?? null;
    const binary = row.get('binary_payload') ?? null;
    if (extension !== 'broadcast') return;
    if (!id || !topic || (payload === null && binary === null)) {
      undeliverable += 1;
      return;
    }
    const message: DatabaseMessage = {
      id,
      topic,
      event: row.get('event') ?? '',
      private: row.get('private') === 't',
      payloadJson: binary === null ? payload : null,
      binaryPayload: binary === null ? null : byteaFromHex(binary),
    };
    messages += 1;
    for (const listener of listeners) {
      try {
        listener(message);
      } catch (error) {
        log(`listener failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
    }
  };

  const assembler = new TransactionAssembler({
    transaction: (transaction) => {
      for (const change of transaction.changes) {
        const { relation } = change;
        if (change.kind === 'INSERT' && relation.schema === 'realtime' && relation.table.startsWith('messages') && change.newTuple) deliver(relation, change.newTuple);
      }
      stream.confirm(transaction.endLsn);
    },
    position: (lsn) => stream.confirm(lsn),
    relation: () => undefined,
  });
  const stream = startReplicationStream({
    databaseUrl: options.databaseUrl,
    slotName,
    publication: MESSAGES_PUBLICATION,
    onMessage: (message: PgOutputMessage) => {
      if (!closed) assembler.handle(message);
    },
    onKeepalive: (walEnd) => {
      if (!closed) assembler.keepalive(walEnd);
    },
    onSessionStart: () => assembler.reset(),
    log,
  });

  return {
    ready: stream.ready,
    get connected() {
      return stream.connected;
    },
    onMessage(listener) {
      listeners.push(listener);
    },
    authorize: (context, authorizeOptions) => evaluatePolicies(pool, context, authorizeOptions),
    replay: (topic, sinceMs, limit) => replayMessages(pool, topic, sinceMs, limit),
    maintainPartitions: (now) => maintainPartitions(pool, now),
    stats: () => ({ slotName, connected: stream.connected, reconnects: stream.reconnects, messages, undeliverable }),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweep);
      await stream.close();
      // The walsender may take a moment to release the slot.
      for (let attempt = 0; attempt < 20; attempt += 1) {
        try {
          await pool.query('select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1 and not active', [slotName]);
          const { rowCount } = await pool.query('select 1 from pg_replication_slots where slot_name = $1', [slotName]);
          if (!rowCount) break;
        } catch {
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await pool.end().catch(() => undefined);
    },
  };
}

function databaseName(databaseUrl: string): string {
  let database = 'postgres';
  try {
    database = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, '')) || 'postgres';
  } catch {
    // A libpq keyword string: keep the default name.
  }
  return database.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/**
 * Drops the inactive slots of stand-ins that died (named `<prefix><pid>`), never a live
 * sibling's: a second stand-in on the same database saw the first one's slot inactive during a
 * reconnect and dropped it, and the first then lost what it had not yet read (review L3). The
 * stand-in is local-only, so "alive" is a process on this host; a permanent slot left by a
 * crash is dropped by the next start, as before.
 */
export async function dropOrphanedSlots(pool: Pick<pg.Pool, 'query'>, prefix: string, log: (line: string) => void): Promise<string[]> {
  const { rows } = await pool.query<{ slot_name: string }>('select slot_name from pg_replication_slots where starts_with(slot_name, $1) and not active', [prefix]);
  const dropped: string[] = [];
  for (const { slot_name: name } of rows) {
    const pid = Number(name.slice(prefix.length));
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) continue;
    await pool.query('select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1 and not active', [name]);
    dropped.push(name);
  }
  if (dropped.length > 0) log(`dropped ${dropped.length} slot(s) left by stopped stand-ins: ${dropped.join(', ')}`);
  return dropped;
}
