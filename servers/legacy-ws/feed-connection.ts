import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { parseClientFrame, type ClientFrame } from './client-frames.js';
import { CLOSE_CODES, type CloseCode } from '../../contracts/legacy-protocol.js';
import { STREAMS } from '../../contracts/envelope.js';
import type { FeedCounters, LegacyLog } from './feed-counters.js';
import type { FeedHub, Subscriber } from './feed-hub.js';
import { encodeFrame, type ErrorCode, type ServerFrame } from './server-frames.js';
import type { TokenCheck } from './verify-token.js';

const MAX_TIMER_MS = 2 ** 31 - 1;
/** While corked, flush whenever this much is pending, so a big batch never counts against the bound at once. */
const CORK_FLUSH_BYTES = 64 * 1024;

export interface ConnectionSettings {
  hub: FeedHub;
  counters: FeedCounters;
  verifyToken(token: string): Promise<TokenCheck>;
  authTimeoutMs: number;
  maxBufferedBytes: number;
  heartbeatMs: number;
  /** After a server-initiated close, how long the client gets to read the close frame before the TCP socket is destroyed. */
  closeGraceMs: number;
  maxInvalidFrames: number;
  log: LegacyLog;
}

/** One client socket: auth, subscriptions, token expiry, liveness and the send-buffer bound. */
export interface FeedConnection extends Subscriber {
  isAuthenticated(): boolean;
  bufferedAmount(): number;
  /** Called every heartbeat interval: terminates a peer that missed the last ping, else pings it and sends `heartbeat`. */
  heartbeat(frame: Buffer): void;
  close(code: CloseCode, reason: string): void;
  /** Settles once the socket is fully closed. */
  readonly closed: Promise<void>;
}

export function acceptConnection(ws: WebSocket, settings: ConnectionSettings): FeedConnection {
  const { hub, counters, log } = settings;
  let userId: string | null = null;
  let closing = false;
  let alive = true;
  let invalidFrames = 0;
  let expiryTimer: NodeJS.Timeout | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  let inbox = Promise.resolve();
  let corked = false;
  // ws exposes no cork(); its net.Socket is `_socket`. Without it, batches just write frame by frame.
  const socket = (ws as unknown as { _socket?: Duplex })._socket;
  const authTimer = setTimeout(() => close(CLOSE_CODES.authTimeout, 'auth timeout'), settings.authTimeoutMs);

  const connection: FeedConnection = {
    send(frame) {
      if (closing || ws.readyState !== WebSocket.OPEN) return false;
      if (ws.bufferedAmount + frame.length > settings.maxBufferedBytes) {
        counters.slowConsumerDisconnects += 1;
        log({ level: 'warn', message: 'closing a slow consumer', details: { userId, bufferedAmount: ws.bufferedAmount } });
        close(CLOSE_CODES.slowConsumer, 'slow consumer');
        return false;
      }
      ws.send(frame, { binary: false });
      counters.peakClientBufferedBytes = Math.max(counters.peakClientBufferedBytes, ws.bufferedAmount);
      if (corked && socket && socket.writableLength >= CORK_FLUSH_BYTES) {
        socket.uncork();
        socket.cork();
      }
      return true;
    },
    cork() {
      if (corked || !socket) return;
      corked = true;
      socket.cork();
    },
    uncork() {
      if (!corked || !socket) return;
      corked = false;
      socket.uncork();
    },
    isAuthenticated: () => userId !== null && !closing,
    bufferedAmount: () => ws.bufferedAmount,
    heartbeat(frame) {
      if (!alive) {
        counters.deadClientTerminations += 1;
        ws.terminate();
        return;
      }
      alive = false;
      if (ws.readyState === WebSocket.OPEN) ws.ping();
      if (connection.isAuthenticated()) connection.send(frame);
    },
    close,
    closed: new Promise((resolve) => {
      ws.once('close', () => {
        closing = true;
        clearTimeout(authTimer);
        clearTimeout(expiryTimer);
        clearTimeout(graceTimer);
        hub.unsubscribe(connection, [...STREAMS]);
        resolve();
      });
    }),
  };

  function close(code: CloseCode, reason: string) {
    if (closing) return;
    closing = true;
    clearTimeout(authTimer);
    clearTimeout(expiryTimer);
    hub.unsubscribe(connection, [...STREAMS]);
    ws.close(code, reason);
    // A client that stopped reading never acknowledges the close: don't hold its buffers.
    graceTimer = setTimeout(() => ws.terminate(), settings.closeGraceMs);
  }

  const reply = (frame: ServerFrame) => connection.send(encodeFrame(frame));

  function rejectInvalid(message: string, code: ErrorCode = 'invalid_frame') {
    invalidFrames += 1;
    reply({ type: 'error', code, message });
    if (invalidFrames >= settings.maxInvalidFrames) close(CLOSE_CODES.policyViolation, 'too many invalid frames');
  }

  /** Verifies a token for this connection; on failure closes with 4001/4002 and returns null. */
  async function authenticate(token: string): Promise<number | null> {
    const check = await settings.verifyToken(token);
    if (closing) return null;
    if (!check.ok || (userId !== null && check.userId !== userId)) {
      counters.authFailures += 1;
      const expired = !check.ok && check.reason === 'expired';
      close(expired ? CLOSE_CODES.tokenExpired : CLOSE_CODES.unauthorized, check.ok ? 'token belongs to another user' : check.message);
      return null;
    }
    clearTimeout(expiryTimer);
    const untilExpiry = Math.min(Math.max(check.expiresAt * 1000 - Date.now(), 0), MAX_TIMER_MS);
    expiryTimer = setTimeout(() => close(CLOSE_CODES.tokenExpired, 'token expired'), untilExpiry);
    userId = check.userId;
    return check.expiresAt;
  }

  async function onMessage(data: Buffer, isBinary: boolean) {
    if (closing) return;
    const parsed = parseClientFrame(data, isBinary);
    if (userId === null) {
      if (!parsed.ok || parsed.frame.type !== 'auth') {
        counters.authFailures += 1;
        return close(CLOSE_CODES.unauthorized, 'the first frame must be auth');
      }
      const expiresAt = await authenticate(parsed.frame.token);
      if (expiresAt === null || userId === null) return;
      clearTimeout(authTimer);
      log({ level: 'info', message: 'client authenticated', details: { userId } });
      reply({ type: 'ready', user_id: userId, expires_at: expiresAt, heartbeat_ms: settings.heartbeatMs, streams: [...STREAMS] });
      return;
    }
    if (!parsed.ok) return rejectInvalid(parsed.message);
    const frame = parsed.frame;
    switch (frame.type) {
      case 'auth':
        return rejectInvalid('already authenticated; send a token frame to refresh', 'already_authenticated');
      case 'token': {
        const expiresAt = await authenticate(frame.token);
        if (expiresAt !== null) reply({ type: 'token_refreshed', expires_at: expiresAt });
        return;
      }
      case 'subscribe':
        return hub.subscribe(connection, frame.streams, frame.resume);
      case 'unsubscribe':
        hub.unsubscribe(connection, frame.streams);
        reply({ type: 'unsubscribed', streams: frame.streams });
        return;
      case 'ping':
        reply({ type: 'pong', ...(frame.ref === undefined ? {} : { ref: frame.ref }), server_time: new Date().toISOString() });
        return;
      default:
        return assertNever(frame);
    }
  }

  ws.on('pong', () => {
    alive = true;
  });
  ws.on('error', (error) => log({ level: 'warn', message: 'socket error', details: { userId, error: error.message } }));
  ws.on('message', (data, isBinary) => {
    alive = true;
    // Frames are handled one at a time, in order: `auth` then `subscribe` may be pipelined.
    inbox = inbox
      .then(() => onMessage(data as Buffer, isBinary))
      .catch((error: unknown) => {
        log({ level: 'error', message: 'failed handling a frame', details: { error: error instanceof Error ? error.message : String(error) } });
        close(CLOSE_CODES.internalError, 'internal error');
      });
  });
  return connection;
}

function assertNever(value: never): never {
  throw new Error(`legacy-ws: unhandled client frame ${JSON.stringify(value)}`);
}
