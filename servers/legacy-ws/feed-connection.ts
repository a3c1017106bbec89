import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { parseClientFrame, type ClientFrame } from './client-frames.js';
import { CLOSE_CODES, type CloseCode } from '../../contracts/legacy-protocol.js';
import { STREAMS } from '../../contracts/envelope.js';
import { assertNever } from '../../lib/assert-never.js';
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

/** Accepts one client socket: the auth deadline starts now; frames are handled one at a time, in order. */
export function acceptConnection(ws: WebSocket, settings: ConnectionSettings): FeedConnection {
  return new Connection(ws, settings);
}

/** The state of one socket. Each method is one concern: writing, liveness, closing, auth, frames. */
class Connection implements FeedConnection {
  private userId: string | null = null;
  private closing = false;
  private alive = true;
  private invalidFrames = 0;
  private expiryTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private inbox = Promise.resolve();
  private corked = false;
  /** ws exposes no cork(); its net.Socket is `_socket`. Without it, batches just write frame by frame. */
  private readonly socket: Duplex | undefined;
  private readonly authTimer: NodeJS.Timeout;
  readonly closed: Promise<void>;

  constructor(
    private readonly ws: WebSocket,
    private readonly settings: ConnectionSettings,
  ) {
    this.socket = (ws as unknown as { _socket?: Duplex })._socket;
    this.authTimer = setTimeout(() => this.close(CLOSE_CODES.authTimeout, 'auth timeout'), settings.authTimeoutMs);
    this.closed = new Promise((resolve) => {
      ws.once('close', () => {
        this.closing = true;
        clearTimeout(this.authTimer);
        clearTimeout(this.expiryTimer);
        clearTimeout(this.graceTimer);
        settings.hub.unsubscribe(this, [...STREAMS]);
        resolve();
      });
    });
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('error', (error) => settings.log({ level: 'warn', message: 'socket error', details: { userId: this.userId, error: error.message } }));
    ws.on('message', (data, isBinary) => {
      this.alive = true;
      // Frames are handled one at a time, in order: `auth` then `subscribe` may be pipelined.
      this.inbox = this.inbox
        .then(() => this.onMessage(data as Buffer, isBinary))
        .catch((error: unknown) => {
          settings.log({ level: 'error', message: 'failed handling a frame', details: { error: error instanceof Error ? error.message : String(error) } });
          this.close(CLOSE_CODES.internalError, 'internal error');
        });
    });
  }

  send(frame: Buffer): boolean {
    const { ws, settings } = this;
    if (this.closing || ws.readyState !== WebSocket.OPEN) return false;
    if (ws.bufferedAmount + frame.length > settings.maxBufferedBytes) {
      settings.counters.slowConsumerDisconnects += 1;
      settings.log({ level: 'warn', message: 'closing a slow consumer', details: { userId: this.userId, bufferedAmount: ws.bufferedAmount } });
      this.close(CLOSE_CODES.slowConsumer, 'slow consumer');
      return false;
    }
    ws.send(frame, { binary: false });
    settings.counters.peakClientBufferedBytes = Math.max(settings.counters.peakClientBufferedBytes, ws.bufferedAmount);
    if (this.corked && this.socket && this.socket.writableLength >= CORK_FLUSH_BYTES) {
      this.socket.uncork();
      this.socket.cork();
    }
    return true;
  }

  cork(): void {
    if (this.corked || !this.socket) return;
    this.corked = true;
    this.socket.cork();
  }

  uncork(): void {
    if (!this.corked || !this.socket) return;
    this.corked = false;
    this.socket.uncork();
  }

  isAuthenticated(): boolean {
    return this.userId !== null && !this.closing;
  }

  bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  heartbeat(frame: Buffer): void {
    if (!this.alive) {
      this.settings.counters.deadClientTerminations += 1;
      this.ws.terminate();
      return;
    }
    this.alive = false;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
    if (this.isAuthenticated()) this.send(frame);
  }

  close(code: CloseCode, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.authTimer);
    clearTimeout(this.expiryTimer);
    this.settings.hub.unsubscribe(this, [...STREAMS]);
    this.ws.close(code, reason);
    // A client that stopped reading never acknowledges the close: don't hold its buffers.
    this.graceTimer = setTimeout(() => this.ws.terminate(), this.settings.closeGraceMs);
  }

  private reply(frame: ServerFrame): boolean {
    return this.send(encodeFrame(frame));
  }

  private rejectInvalid(message: string, code: ErrorCode = 'invalid_frame'): void {
    this.invalidFrames += 1;
    this.reply({ type: 'error', code, message });
    if (this.invalidFrames >= this.settings.maxInvalidFrames) this.close(CLOSE_CODES.policyViolation, 'too many invalid frames');
  }

  /** Verifies a token for this connection; on failure closes with 4001/4002 and returns null. */
  private async authenticate(token: string): Promise<number | null> {
    const check = await this.settings.verifyToken(token);
    if (this.closing) return null;
    if (!check.ok || (this.userId !== null && check.userId !== this.userId)) {
      this.settings.counters.authFailures += 1;
      const expired = !check.ok && check.reason === 'expired';
      this.close(expired ? CLOSE_CODES.tokenExpired : CLOSE_CODES.unauthorized, check.ok ? 'token belongs to another user' : check.message);
      return null;
    }
    clearTimeout(this.expiryTimer);
    const untilExpiry = Math.min(Math.max(check.expiresAt * 1000 - Date.now(), 0), MAX_TIMER_MS);
    this.expiryTimer = setTimeout(() => this.close(CLOSE_CODES.tokenExpired, 'token expired'), untilExpiry);
    this.userId = check.userId;
    return check.expiresAt;
  }

  private async onMessage(data: Buffer, isBinary: boolean): Promise<void> {
    if (this.closing) return;
    const parsed = parseClientFrame(data, isBinary);
    if (this.userId === null) return this.onFirstFrame(parsed);
    if (!parsed.ok) return this.rejectInvalid(parsed.message);
    return this.onFrame(parsed.frame);
  }

  /** Before auth, the only frame accepted is `auth`. */
  private async onFirstFrame(parsed: ReturnType<typeof parseClientFrame>): Promise<void> {
    if (!parsed.ok || parsed.frame.type !== 'auth') {
      this.settings.counters.authFailures += 1;
      return this.close(CLOSE_CODES.unauthorized, 'the first frame must be auth');
    }
    const expiresAt = await this.authenticate(parsed.frame.token);
    if (expiresAt === null || this.userId === null) return;
    clearTimeout(this.authTimer);
    this.settings.log({ level: 'info', message: 'client authenticated', details: { userId: this.userId } });
    this.reply({ type: 'ready', user_id: this.userId, expires_at: expiresAt, heartbeat_ms: this.settings.heartbeatMs, streams: [...STREAMS] });
  }

  private async onFrame(frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case 'auth':
        return this.rejectInvalid('already authenticated; send a token frame to refresh', 'already_authenticated');
      case 'token': {
        const expiresAt = await this.authenticate(frame.token);
        if (expiresAt !== null) this.reply({ type: 'token_refreshed', expires_at: expiresAt });
        return;
      }
      case 'subscribe':
        return this.settings.hub.subscribe(this, frame.streams, frame.resume, frame.batch);
      case 'unsubscribe':
        this.settings.hub.unsubscribe(this, frame.streams);
        this.reply({ type: 'unsubscribed', streams: frame.streams });
        return;
      case 'ping':
        this.reply({ type: 'pong', ...(frame.ref === undefined ? {} : { ref: frame.ref }), server_time: new Date().toISOString() });
        return;
      default:
        return assertNever(frame, 'client frame');
    }
  }
}
