import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { handleBroadcast } from './broadcast-in.js';
import type { JoinedChannel, SessionPort } from './channel.js';
import { closeChannel, teardownChannel } from './channel-close.js';
import type { Envelope } from './frame-schema.js';
import { KNOWN_EVENTS, channelEvent, parseTextFrame } from './frame-schema.js';
import { cancelPendingJoin, handleJoin } from './join.js';
import { FrameOutbox } from './frame-outbox.js';
import { handlePresence } from './presence-in.js';
import type { RealtimeContext, SessionHandle } from './realtime-context.js';
import type { Vsn } from './serializer.js';
import { decodeUserBroadcastPush, encodeReply } from './serializer.js';
import { applyAccessToken } from './token-lifecycle.js';

/** Phoenix closes the connection when a frame cannot be decoded (the socket process crashes). */
const CLOSE_UNDECODABLE = 1011;
/** Phoenix stops the socket on a `disconnect` broadcast (join-rate excess): a normal close. */
const CLOSE_NORMAL = 1000;

/** One WebSocket connection: decodes frames, routes them to its joined channels. */
export class SocketSession implements SessionPort, SessionHandle {
  readonly channels = new Map<string, JoinedChannel>();
  private lastInbound = Date.now();
  /** Every frame this session sends goes through here, so frames keep their order. */
  private readonly outbox: FrameOutbox;
  /** Half-open fault: nothing read, nothing written, TCP untouched. */
  private frozen = false;

  constructor(
    private readonly ctx: RealtimeContext,
    private readonly ws: WebSocket,
    /** The upgraded TCP socket under `ws`: the outbox writes its frames there directly. */
    private readonly socket: Duplex,
    readonly id: string,
    readonly vsn: Vsn,
    /** The socket's `apikey`; the token a join falls back to. */
    readonly apikey: string,
  ) {
    this.outbox = new FrameOutbox(socket, ctx.flusher);
    ws.on('message', (data, isBinary) => this.receive(toBuffer(data), isBinary));
    ws.on('close', () => this.guard(() => this.dispose()));
    ws.on('error', (error) => ctx.log(`socket ${id} error: ${error.message}`));
  }

  send(data: string | Buffer, binary = false): void {
    if (this.admits()) this.outbox.push(binary, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  sendText(head: Buffer, body: Buffer, tail: Buffer): void {
    if (this.admits()) this.outbox.push(false, head, body, tail);
  }

  /** Open and keeping up; a connection whose unsent backlog passed the limit is dropped (slow consumer). */
  private admits(): boolean {
    if (this.frozen || this.ws.readyState !== this.ws.OPEN) return false;
    const backlog = this.outbox.backlog();
    if (backlog <= this.ctx.limits.maxOutboundBufferBytes) return true;
    this.ctx.log(`socket ${this.id}: dropped, ${backlog} bytes unsent (slow consumer)`);
    this.terminate();
    return false;
  }

  idleSince(): number {
    return this.lastInbound;
  }

  backlog(): number {
    return this.outbox.backlog();
  }

  disconnect(): void {
    this.ctx.flusher.flushNow(this.outbox);
    this.ws.close(CLOSE_NORMAL);
  }

  freeze(): void {
    this.frozen = true;
    this.socket.pause();
  }

  terminate(): void {
    this.outbox.discard();
    this.ws.terminate();
  }

  private receive(data: Buffer, isBinary: boolean): void {
    this.lastInbound = Date.now();
    try {
      if (isBinary) this.receiveBinary(data);
      else this.route(parseTextFrame(this.vsn, data.toString('utf8')));
    } catch (error) {
      this.ctx.log(`socket ${this.id}: closing after undecodable frame: ${error instanceof Error ? error.message : String(error)}`);
      // `ws` writes the close frame itself: what was queued before it goes first.
      this.ctx.flusher.flushNow(this.outbox);
      this.ws.close(CLOSE_UNDECODABLE, 'invalid frame');
    }
  }

  private receiveBinary(data: Buffer): void {
    if (this.vsn !== '2.0.0') throw new Error('realtime: binary frames need vsn 2.0.0');
    const push = decodeUserBroadcastPush(data);
    const channel = this.joined(push.topic, push.joinRef);
    if (!channel) return this.unmatched({ joinRef: push.joinRef, ref: push.ref, topic: push.topic });
    this.guard(() => handleBroadcast(this.ctx, channel, { kind: 'binary', ref: push.ref, push }));
  }

  private route(envelope: Envelope): void {
    const { topic, event, ref } = envelope;
    if (topic === 'phoenix' && event === 'heartbeat') {
      if (!this.ctx.faults.ignoreHeartbeats) this.send(encodeReply(this.vsn, null, ref, topic, 'ok', {}));
      return;
    }
    const parsed = KNOWN_EVENTS.has(event) ? channelEvent.safeParse({ event, payload: envelope.payload }) : undefined;
    if (parsed?.success && parsed.data.event === 'phx_join') {
      if (this.refusedByFault(envelope)) return;
      const payload = parsed.data.payload;
      return this.guard(() => handleJoin(this.ctx, this, envelope, payload));
    }
    const channel = this.joined(topic, envelope.joinRef);
    if (event === 'phx_leave') {
      this.send(encodeReply(this.vsn, envelope.joinRef, ref, topic, 'ok', {}));
      cancelPendingJoin(this, topic);
      if (channel) this.guard(() => closeChannel(this.ctx, channel));
      return;
    }
    if (!channel) return this.unmatched(envelope);
    // Unknown events and malformed payloads: logged, no reply (realtime_channel.ex catch-all).
    if (!parsed?.success) return this.ctx.log(`unexpected message of type \`${event}\` on ${topic}`);
    const message = parsed.data;
    this.guard(() => {
      switch (message.event) {
        case 'access_token':
          return applyAccessToken(this.ctx, channel, message.payload.access_token);
        case 'broadcast':
          return handleBroadcast(this.ctx, channel, { kind: 'json', ref, payload: message.payload });
        case 'presence':
          return handlePresence(this.ctx, channel, ref, message.payload);
        default:
          return this.ctx.log(`unexpected message of type \`${message.event}\` on ${topic}`);
      }
    });
  }

  /** The `refuseJoins` fault: an error reply instead of the join (then the socket closes, if asked). */
  private refusedByFault(envelope: Envelope): boolean {
    const fault = this.ctx.faults.joinRefusals;
    if (fault.remaining <= 0) return false;
    fault.remaining -= 1;
    fault.sent += 1;
    this.send(encodeReply(this.vsn, envelope.joinRef, envelope.ref, envelope.topic, 'error', { reason: fault.reason }));
    if (fault.disconnect) {
      this.ctx.flusher.flushNow(this.outbox);
      this.ws.close(1000, fault.reason.slice(0, 120));
    }
    return true;
  }

  /** The channel joined on `topic`, if `joinRef` is absent or current (stale refs don't match). */
  private joined(topic: string, joinRef: string | null): JoinedChannel | undefined {
    const channel = this.channels.get(topic);
    return channel && (joinRef === null || joinRef === channel.joinRef) ? channel : undefined;
  }

  private unmatched(message: { joinRef: string | null; ref: string | null; topic: string }): void {
    this.send(encodeReply(this.vsn, message.joinRef, message.ref, message.topic, 'error', { reason: 'unmatched topic' }));
  }

  /** Handler bugs must not take the connection (or the server) down. */
  private guard(run: () => void): void {
    try {
      run();
    } catch (error) {
      this.ctx.log(`socket ${this.id}: handler failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }

  private dispose(): void {
    this.outbox.discard();
    if (!this.ctx.sessions.delete(this)) return;
    for (const channel of [...this.channels.values()]) teardownChannel(this.ctx, channel);
  }
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
