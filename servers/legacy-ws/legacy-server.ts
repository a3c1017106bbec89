import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CLOSE_CODES } from '../../contracts/legacy-protocol.js';
import { STREAMS, type Envelope, type Stream } from '../../contracts/envelope.js';
import { createFeedCounters, type FeedCounters, type LegacyLog } from './feed-counters.js';
import { acceptConnection, type FeedConnection } from './feed-connection.js';
import { createFeedHub } from './feed-hub.js';
import type { FeedStateWatch } from './feed-state.js';
import { createPublishHandler, sendJson, type PublishResult } from './publish-endpoint.js';
import { encodeFrame } from './server-frames.js';
import { createTokenVerifier } from './verify-token.js';

export const FEED_PATH = '/v1/feed';
const DECOMMISSIONED = 'feed decommissioned';
export const PUBLISH_PATH = '/internal/publish';

export interface LegacyServerOptions {
  /** 0 picks a free port. Binds 127.0.0.1 only. */
  port: number;
  /** Supabase JWT secret (HS256) that user access tokens are signed with. */
  jwtSecret: string;
  /** Bearer key the ingest API presents on `POST /internal/publish`. */
  publishKey: string;
  /** Envelopes retained per stream for resume (default 10,000). */
  ringSize?: number;
  /** Per-client send-buffer bound; past it the client is closed with 4008 (default 4 MiB). */
  maxBufferedBytes?: number;
  /** WebSocket ping + app `heartbeat` interval (default 15 s). */
  heartbeatMs?: number;
  /** Time allowed between connect and a valid `auth` frame (default 5 s). */
  authTimeoutMs?: number;
  /** Largest inbound frame accepted; bigger ones close with 1009 (default 64 KiB). */
  maxFrameBytes?: number;
  /**
   * Whether the feed is still in service (`watchFeedState`: the rollout config in Postgres).
   * Once decommissioned, clients are closed and new ones refused with 4010; without it the
   * feed is always live.
   */
  feedState?: Pick<FeedStateWatch, 'current' | 'onChange'>;
  /** Exposes `faults` (tests only: no entry point or env turns this on). */
  faultInjection?: boolean;
  onLog?: LegacyLog;
}

export interface LegacyServerStats extends FeedCounters {
  clients: number;
  authenticatedClients: number;
  subscribers: Record<Stream, number>;
  /** Highest envelope id received per stream (null before the first). */
  lastId: Record<Stream, number | null>;
  retained: Record<Stream, number>;
  /** Sum of the clients' current send buffers. */
  bufferedBytes: number;
}

/** The legacy WebSocket feed: one HTTP server for `/v1/feed` (WebSocket), the publish endpoint and `/health`. */
export interface LegacyServer {
  port: number;
  /** `ws://127.0.0.1:<port>` */
  url: string;
  /** `ws://127.0.0.1:<port>/v1/feed` */
  feedUrl: string;
  /** `http://127.0.0.1:<port>/internal/publish` */
  publishUrl: string;
  /** In-process publish (same path as the HTTP endpoint after validation). */
  publish(envelopes: Envelope[]): PublishResult;
  stats(): LegacyServerStats;
  /** Fault injection, present only when started with `faultInjection: true` (in-process tests). */
  faults?: { dropRate(rate: number): void };
  /** Sends 1001 going-away to every client, waits for them (bounded), then stops listening. */
  close(): Promise<void>;
}

// eslint-disable-next-line max-lines-per-function -- a factory wiring the HTTP server, the hub, connections and the feed state; each handler is short.
export async function startLegacyServer(options: LegacyServerOptions): Promise<LegacyServer> {
  const log: LegacyLog = options.onLog ?? (() => {});
  const maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const counters = createFeedCounters();
  const hub = createFeedHub({ ringSize: options.ringSize ?? 10_000, replayBudgetBytes: Math.floor(maxBufferedBytes / 2), counters });
  const connections = new Set<FeedConnection>();
  const connectionSettings = {
    hub,
    counters,
    verifyToken: createTokenVerifier(options.jwtSecret),
    authTimeoutMs: options.authTimeoutMs ?? 5_000,
    maxBufferedBytes,
    heartbeatMs,
    closeGraceMs: 5_000,
    maxInvalidFrames: 5,
    log,
  };
  const handlePublish = createPublishHandler({ publishKey: options.publishKey, publish: (envelopes) => hub.publish(envelopes) });
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes ?? 64 * 1024, perMessageDeflate: false, clientTracking: false });
  let stopping = false;
  const feedState = () => options.feedState?.current() ?? 'live';
  const stopFollowing = options.feedState?.onChange((state) => {
    if (state !== 'decommissioned') return;
    log({ level: 'info', message: 'feed decommissioned: closing clients, refusing new ones', details: { clients: connections.size } });
    for (const connection of connections) connection.close(CLOSE_CODES.decommissioned, DECOMMISSIONED);
  });

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === PUBLISH_PATH) {
      handlePublish(request, response).catch((error: unknown) => {
        log({ level: 'error', message: 'publish failed', details: { error: error instanceof Error ? error.message : String(error) } });
        if (!response.headersSent) sendJson(response, 500, { error: { code: 'internal', message: 'publish failed' } });
      });
    } else if (path === '/health' && request.method === 'GET') {
      const feed = feedState();
      sendJson(response, stopping ? 503 : 200, { status: stopping ? 'stopping' : feed === 'live' ? 'ok' : feed, feed, clients: connections.size });
    } else {
      sendJson(response, 404, { error: { code: 'not_found', message: `no route ${request.method} ${path}` } });
    }
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (stopping || path !== FEED_PATH) {
      socket.end(stopping ? 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n' : 'HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      // A WebSocket close (not an HTTP refusal) so browsers see the code and the reason.
      if (feedState() === 'decommissioned') return ws.close(CLOSE_CODES.decommissioned, DECOMMISSIONED);
      const connection = acceptConnection(ws, connectionSettings);
      connections.add(connection);
      void connection.closed.then(() => connections.delete(connection));
    });
  });

  const heartbeat = setInterval(() => {
    const frame = encodeFrame({ type: 'heartbeat', server_time: new Date().toISOString() });
    for (const connection of connections) connection.heartbeat(frame);
  }, heartbeatMs);
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`legacy-ws: cannot listen on 127.0.0.1:${options.port}: ${error.message}`, { cause: error })));
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  log({ level: 'info', message: `listening on ws://127.0.0.1:${port}${FEED_PATH}` });

  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    feedUrl: `ws://127.0.0.1:${port}${FEED_PATH}`,
    publishUrl: `http://127.0.0.1:${port}${PUBLISH_PATH}`,
    publish: (envelopes) => hub.publish(envelopes),
    stats: () => ({
      ...counters,
      clients: connections.size,
      authenticatedClients: [...connections].filter((connection) => connection.isAuthenticated()).length,
      subscribers: perStream((stream) => hub.subscriberCount(stream)),
      lastId: perStream((stream) => hub.ring(stream).lastId()),
      retained: perStream((stream) => hub.ring(stream).size()),
      bufferedBytes: [...connections].reduce((sum, connection) => sum + connection.bufferedAmount(), 0),
    }),
    ...(options.faultInjection ? { faults: { dropRate: (rate: number) => hub.setDropRate(rate) } } : {}),
    async close() {
      if (stopping) return;
      stopping = true;
      stopFollowing?.();
      clearInterval(heartbeat);
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of connections) connection.close(CLOSE_CODES.goingAway, 'server shutting down');
      // Each connection terminates itself after its close grace, so this wait is bounded.
      await Promise.all([...connections].map((connection) => connection.closed));
      server.closeAllConnections();
      await stopped;
      log({ level: 'info', message: 'stopped' });
    },
  };
}

function perStream<T>(value: (stream: Stream) => T): Record<Stream, T> {
  return Object.fromEntries(STREAMS.map((stream) => [stream, value(stream)])) as Record<Stream, T>;
}
