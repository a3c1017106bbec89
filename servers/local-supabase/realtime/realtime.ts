import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { JoinedChannel } from './channel.js';
import { TOPIC_PREFIX } from './channel.js';
import { crashChannel, shutdownChannel } from './channel-close.js';
import type { DatabaseBroadcast } from './database-broadcast/database-broadcast.js';
import { deliverDatabaseMessage } from './database-delivery.js';
import type { LimitFault } from './limit-faults.js';
import { injectLimit } from './limit-faults.js';
import type { RealtimeLimits } from './limits.js';
import { resolveLimits } from './limits.js';
import type { PostgresChanges } from './postgres-changes/contract.js';
import { createRealtimeContext, noFaults, recordDeliveries } from './realtime-context.js';
import { handleRestBroadcast } from './rest-broadcast.js';
import { handleRealtimeUpgrade } from './upgrade.js';

/** Options of {@link createRealtime}. */
export interface RealtimeOptions {
  /** HS256 secret the apikey / access tokens are signed with. */
  jwtSecret: string;
  /** postgres_changes extension; without it, postgres bindings get a `system` error. Not closed by `close()`. */
  postgresChanges?: PostgresChanges;
  /** Broadcast from Database and private-channel policies; without it private channels admit by role. Not closed by `close()`. */
  database?: DatabaseBroadcast;
  limits?: Partial<RealtimeLimits>;
  onLog?: (line: string) => void;
}

/** Point-in-time counters of a Realtime instance. */
export interface RealtimeStats {
  connections: number;
  channels: number;
  rooms: number;
  /** Deliveries (frames fanned out to subscribers) per second, averaged over the last 5 s. */
  messagesPerSecond: number;
  /** Client events (socket broadcast/presence + REST messages) per second over the rate window. */
  inboundEventsPerSecond: number;
  joinsPerSecond: number;
  totalDeliveries: number;
  totalJoins: number;
  totalConnections: number;
  /** Bytes accepted for all connections but not yet handed to the kernel (slow readers show here). */
  outboundBacklogBytes: number;
}

/** In-process fault injection for tests and validation drills; everything is off by default. */
export interface RealtimeFaults {
  /** Every switch back off (frozen or dropped connections stay as they are). */
  clear(): void;
  /** Drops this fraction (0..1) of postgres_changes deliveries, independently per subscriber. */
  dropPostgresChangesRate(p: number): void;
  /** Drops the next `n` postgres_changes deliveries (a deterministic silent loss). */
  dropNextPostgresChanges(n: number): void;
  /** While on, heartbeats get no reply (the client then closes with "heartbeat timeout"). */
  ignoreHeartbeats(on: boolean): void;
  /**
   * Half-open: every current connection stops reading and writing, its TCP left open (no FIN,
   * no close frame) — only the client's heartbeat timeout reveals it. Later connections are
   * normal; frozen ones go with the idle sweep. Returns how many were frozen.
   */
  halfOpenConnections(): number;
  /**
   * Premature SUBSCRIBED (realtime-js#525): a postgres_changes subscription made while set is
   * not ready for `ms` after its join — changes committed meanwhile are never delivered to it,
   * and its `Subscribed to PostgreSQL` comes only at the end. 0 turns it off.
   */
  delayDatabaseReady(ms: number): void;
  /**
   * The next `count` channel joins get an error reply with `reason` (default: the database is
   * unreachable) — supabase-js reports CHANNEL_ERROR and rejoins on its own backoff. With
   * `disconnect` the socket is closed after the reply (as upstream does on too many joins).
   */
  refuseJoins(count: number, reason?: string, options?: { disconnect?: boolean }): void;
  /** A plan limit hit now, answered as hosted Realtime does (limit-faults.ts); `times` refusals follow. Returns channels/sockets hit. */
  injectLimit(kind: LimitFault, times?: number): number;
  /** Join refusals sent by {@link refuseJoins} so far. */
  refusedJoins(): number;
  /** Abruptly drops every WebSocket connection (like a TCP reset); returns how many. */
  dropConnections(): number;
  /** `phx_error` to every channel on `topic` (`realtime:` prefix optional) → client rejoins. */
  crashChannels(topic: string): number;
  /** `system` error + `phx_close` to every channel on `topic` → client `CLOSED`, no rejoin. */
  closeChannels(topic: string, message?: string): number;
}

/** A composable Realtime endpoint: mount its handlers on any `http.Server`. */
export interface Realtime {
  /** Takes the upgrade when the path is `/realtime/v1/websocket` or `/socket/websocket`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Serves `/realtime/v1/api/broadcast…` (and `/api/broadcast…`); resolves false for other paths. */
  handleHttp(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  stats(): RealtimeStats;
  faults: RealtimeFaults;
  /** Drops every connection and stops timers. */
  close(): Promise<void>;
}

// eslint-disable-next-line max-lines-per-function -- a factory wiring the hub, sessions, extensions and limits of one Realtime server; each handler is short.
export function createRealtime(options: RealtimeOptions): Realtime {
  const limits = resolveLimits(options.limits);
  const ctx = createRealtimeContext({ jwtSecret: options.jwtSecret, limits, postgresChanges: options.postgresChanges, database: options.database, onLog: options.onLog });
  let open = true;
  options.database?.onMessage((message) => {
    if (open) deliverDatabaseMessage(ctx, message);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes, perMessageDeflate: false, clientTracking: false });
  const idleSweep = setInterval(() => {
    const cutoff = Date.now() - limits.idleTimeoutMs;
    for (const session of ctx.sessions) if (session.idleSince() < cutoff) session.terminate();
  }, Math.max(50, Math.min(10_000, limits.idleTimeoutMs / 4)));
  idleSweep.unref();

  const channelsOn = (topic: string): JoinedChannel[] => {
    const full = topic.startsWith(TOPIC_PREFIX) ? topic : TOPIC_PREFIX + topic;
    const found: JoinedChannel[] = [];
    for (const session of ctx.sessions) {
      const channel = session.channels.get(full) as JoinedChannel | undefined;
      if (channel) found.push(channel);
    }
    return found;
  };

  return {
    handleUpgrade: (req, socket, head) => handleRealtimeUpgrade(ctx, wss, req, socket, head),
    handleHttp: async (req, res) => {
      try {
        return await handleRestBroadcast(ctx, req, res);
      } catch (error) {
        ctx.log(`REST broadcast failed: ${error instanceof Error ? error.message : String(error)}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Internal Server Error' }));
        return true;
      }
    },
    stats: () => {
      recordDeliveries(ctx);
      const hub = ctx.hub.stats();
      return {
        connections: ctx.sessions.size,
        channels: hub.channels,
        rooms: hub.rooms,
        messagesPerSecond: ctx.deliveries.perSecond(),
        inboundEventsPerSecond: ctx.eventRate.perSecond(),
        joinsPerSecond: ctx.joinRate.perSecond(),
        totalDeliveries: ctx.totals.deliveries,
        totalJoins: ctx.totals.joins,
        totalConnections: ctx.totals.connections,
        outboundBacklogBytes: [...ctx.sessions].reduce((sum, session) => sum + session.backlog(), 0),
      };
    },
    faults: {
      clear: () => {
        Object.assign(ctx.faults, noFaults());
      },
      dropPostgresChangesRate: (p) => {
        ctx.faults.postgresDropRate = Math.min(1, Math.max(0, p));
      },
      dropNextPostgresChanges: (n) => {
        ctx.faults.postgresDropNext = Math.max(0, Math.floor(n));
      },
      ignoreHeartbeats: (on) => {
        ctx.faults.ignoreHeartbeats = on;
      },
      halfOpenConnections: () => {
        const sessions = [...ctx.sessions];
        for (const session of sessions) session.freeze();
        return sessions.length;
      },
      delayDatabaseReady: (ms) => {
        ctx.faults.databaseReadyDelayMs = Math.max(0, ms);
      },
      refuseJoins: (count, reason = 'UnableToConnectToProject: Realtime was unable to connect to the project database', { disconnect = false } = {}) => {
        Object.assign(ctx.faults.joinRefusals, { remaining: Math.max(0, Math.floor(count)), reason, disconnect });
      },
      refusedJoins: () => ctx.faults.joinRefusals.sent,
      injectLimit: (kind, times = 1) => injectLimit(ctx, kind, Math.max(0, Math.floor(times))),
      dropConnections: () => {
        const sessions = [...ctx.sessions];
        for (const session of sessions) session.terminate();
        return sessions.length;
      },
      crashChannels: (topic) => {
        const channels = channelsOn(topic);
        for (const channel of channels) crashChannel(ctx, channel);
        return channels.length;
      },
      closeChannels: (topic, message = 'Server requested disconnect') => {
        const channels = channelsOn(topic);
        for (const channel of channels) shutdownChannel(ctx, channel, message);
        return channels.length;
      },
    },
    close: async () => {
      open = false;
      clearInterval(idleSweep);
      for (const session of [...ctx.sessions]) session.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
