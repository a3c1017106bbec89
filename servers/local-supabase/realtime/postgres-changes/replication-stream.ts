import pg from 'pg';
import { formatLsn, pgNow, type Lsn } from './lsn.js';
import { decodePgOutput, type PgOutputMessage } from './pgoutput.js';
import { SESSION_OPTIONS } from './session-options.js';

/** Reconnect delays (ms) after a broken or refused replication connection; the last repeats. */
const BACKOFF_MS = [100, 250, 500, 1_000, 2_000, 5_000];
const STATUS_INTERVAL_MS = 10_000;
/** Confirmations are coalesced for this long before a standby status update goes out. */
const CONFIRM_DELAY_MS = 10;

export interface ReplicationStreamOptions {
  databaseUrl: string;
  slotName: string;
  publication: string;
  /** Called synchronously, in WAL order, for every decoded pgoutput message. */
  onMessage(message: PgOutputMessage): void;
  /** Server keepalive: everything before `walEnd` has been sent. */
  onKeepalive(walEnd: Lsn): void;
  /** A new streaming session starts (after the first connect and after every reconnect). */
  onSessionStart(): void;
  log(line: string): void;
}

/** A durable logical replication stream (pgoutput) over a permanent slot, reconnecting on failure. */
export interface ReplicationStream {
  /** Resolves once the slot exists and streaming has started for the first time. */
  readonly ready: Promise<void>;
  /** Marks WAL up to `lsn` as processed; reported to the server as written/flushed/applied. */
  confirm(lsn: Lsn): void;
  /** Backpressure: stop/start reading from the socket. */
  pause(): void;
  resume(): void;
  readonly connected: boolean;
  readonly reconnects: number;
  close(): Promise<void>;
}

interface Session {
  client: pg.Client;
  done: Promise<void>;
}

// eslint-disable-next-line max-lines-per-function -- a factory: one replication session's lifecycle (connect, stream, ack, reconnect) shares its state; each inner step is short.
export function startReplicationStream(options: ReplicationStreamOptions): ReplicationStream {
  let closed = false;
  let confirmed: Lsn = 0n;
  let session: Session | undefined;
  let streaming = false;
  let paused = false;
  let reconnects = 0;
  let confirmTimer: NodeJS.Timeout | undefined;
  let wakeBackoff: (() => void) | undefined;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const sendStatus = (replyRequested = false) => {
    const current = session;
    if (!current || !streaming) return;
    const buffer = Buffer.alloc(34);
    buffer.write('r', 0, 'latin1');
    buffer.writeBigUInt64BE(confirmed, 1);
    buffer.writeBigUInt64BE(confirmed, 9);
    buffer.writeBigUInt64BE(confirmed, 17);
    buffer.writeBigInt64BE(pgNow(), 25);
    buffer.writeUInt8(replyRequested ? 1 : 0, 33);
    try {
      (current.client as unknown as { connection: { sendCopyFromChunk(chunk: Buffer): void } }).connection.sendCopyFromChunk(buffer);
    } catch (error) {
      options.log(`realtime: postgres_changes: cannot send standby status: ${String(error)}`);
    }
  };
  const statusTimer = setInterval(() => sendStatus(), STATUS_INTERVAL_MS);
  statusTimer.unref();

  const handleCopyData = (chunk: Buffer) => {
    const kind = chunk[0];
    if (kind === 0x77 /* w: XLogData */) {
      options.onMessage(decodePgOutput(chunk.subarray(25)));
    } else if (kind === 0x6b /* k: primary keepalive */) {
      options.onKeepalive(chunk.readBigUInt64BE(1));
      if (chunk[17] === 1) sendStatus();
    }
  };

  const openSession = async (): Promise<Session> => {
    const client = new pg.Client({ connectionString: options.databaseUrl, replication: 'database', options: SESSION_OPTIONS } as pg.ClientConfig);
    let failSession: (error: Error) => void = () => undefined;
    const failed = new Promise<never>((_resolve, reject) => (failSession = reject));
    failed.catch(() => undefined);
    client.on('error', (error) => failSession(error));
    client.on('end', () => failSession(new Error('realtime: replication connection ended')));
    await client.connect();
    await ensureSlot(client, options.slotName);
    const connection = (client as unknown as { connection: NodeJS.EventEmitter & { stream: NodeJS.ReadableStream } }).connection;
    const started = new Promise<void>((resolve) => connection.once('replicationStart', () => resolve()));
    connection.on('copyData', (message: { chunk: Buffer }) => {
      try {
        handleCopyData(message.chunk);
      } catch (error) {
        failSession(new Error('realtime: cannot decode the replication stream', { cause: error }));
      }
    });
    const publications = `"${options.publication.replaceAll('"', '""')}"`;
    const command = `START_REPLICATION SLOT ${quoteIdent(options.slotName)} LOGICAL ${formatLsn(confirmed)} (proto_version '1', publication_names ${client.escapeLiteral(publications)})`;
    const query = client.query(command).then(() => undefined);
    await Promise.race([started, query, failed]);
    const done = Promise.race([query, failed]);
    done.catch(() => undefined);
    if (paused) connection.stream.pause();
    return { client, done };
  };

  const run = async () => {
    let attempt = 0;
    while (!closed) {
      try {
        session = await openSession();
        if (closed) break;
        streaming = true;
        attempt = 0;
        options.onSessionStart();
        markReady();
        await session.done;
        if (!closed) options.log('realtime: postgres_changes: replication stream ended; reconnecting');
      } catch (error) {
        if (!closed) options.log(`realtime: postgres_changes: replication connection failed: ${describe(error)}`);
      } finally {
        streaming = false;
        const ending = session?.client;
        session = undefined;
        if (ending) await ending.end().catch(() => undefined);
      }
      if (closed) break;
      reconnects += 1;
      const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!;
      attempt += 1;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wakeBackoff = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeBackoff = undefined;
    }
  };
  const running = run();

  return {
    ready,
    get connected() {
      return streaming;
    },
    get reconnects() {
      return reconnects;
    },
    confirm(lsn) {
      if (lsn <= confirmed) return;
      confirmed = lsn;
      confirmTimer ??= setTimeout(() => {
        confirmTimer = undefined;
        sendStatus();
      }, CONFIRM_DELAY_MS);
    },
    pause() {
      paused = true;
      (session?.client as unknown as { connection?: { stream: NodeJS.ReadableStream } } | undefined)?.connection?.stream.pause();
    },
    resume() {
      paused = false;
      (session?.client as unknown as { connection?: { stream: NodeJS.ReadableStream } } | undefined)?.connection?.stream.resume();
    },
    async close() {
      if (closed) return;
      clearInterval(statusTimer);
      if (confirmTimer) clearTimeout(confirmTimer);
      // Report the final position before leaving, so a successor resumes exactly after it.
      sendStatus();
      closed = true;
      wakeBackoff?.();
      const current = session;
      if (current && streaming) {
        try {
          (current.client as unknown as { connection: { endCopyFrom(): void } }).connection.endCopyFrom();
          await Promise.race([current.done.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1_000))]);
        } catch {
          // The connection is already gone; ending it below is all that is left.
        }
      }
      await current?.client.end().catch(() => undefined);
      await running;
    },
  };
}

async function ensureSlot(client: pg.Client, slotName: string): Promise<void> {
  const existing = await client.query(`select plugin from pg_replication_slots where slot_name = ${client.escapeLiteral(slotName)}`);
  if (existing.rows.length > 0) {
    const plugin = (existing.rows[0] as { plugin: string | null }).plugin;
    if (plugin !== 'pgoutput') throw new Error(`realtime: replication slot ${slotName} exists with plugin ${String(plugin)}, expected pgoutput`);
    return;
  }
  try {
    await client.query(`CREATE_REPLICATION_SLOT ${quoteIdent(slotName)} LOGICAL pgoutput (SNAPSHOT 'nothing')`);
  } catch (error) {
    // Another process created it in between: fine, it is the same durable slot.
    if ((error as { code?: string }).code !== '42710') throw error;
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}
