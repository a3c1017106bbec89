/**
 * A minimal WebSocket client over `net` for load generation: handshake, masked text frames
 * out, unmasked frames in, pings answered. Inbound text frames are handed over as a view
 * into the received chunk (no copy, no string) so one process can carry many sockets at
 * hundreds of thousands of messages per second. Servers never fragment our frames, so
 * fragmented messages are refused rather than reassembled.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';

const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

export interface RawWebSocketHandlers {
  /** A complete text or binary message: `data[start, end)` is valid only during the call. */
  onMessage(data: Buffer, start: number, end: number): void;
  onClose?(): void;
}

export class RawWebSocket {
  private pending: Buffer | null = null;
  private closed = false;
  private readonly closedPromise: Promise<void>;

  private constructor(
    private readonly socket: net.Socket,
    private readonly handlers: RawWebSocketHandlers,
  ) {
    this.closedPromise = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        handlers.onClose?.();
        resolve();
      }),
    );
  }

  /** Opens `url` (ws://host:port/path?query) and resolves once the server answered 101. */
  static connect(url: string, handlers: RawWebSocketHandlers, timeoutMs = 10_000): Promise<RawWebSocket> {
    const target = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: target.hostname, port: Number(target.port) });
      socket.setNoDelay(true);
      const timer = setTimeout(() => fail(new Error(`raw-websocket: no handshake from ${url} in ${timeoutMs} ms`)), timeoutMs);
      let head = Buffer.alloc(0);
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const onHandshake = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onHandshake);
        socket.off('error', fail);
        clearTimeout(timer);
        const status = head.toString('latin1', 0, head.indexOf('\r\n'));
        if (!/^HTTP\/1\.1 101 /.test(status)) return fail(new Error(`raw-websocket: ${url} answered ${status}`));
        const ws = new RawWebSocket(socket, handlers);
        socket.on('data', (data: Buffer) => ws.receive(data));
        socket.on('error', () => socket.destroy());
        resolve(ws);
        if (end + 4 < head.length) ws.receive(head.subarray(end + 4));
      };
      socket.on('data', onHandshake);
      socket.once('error', fail);
      socket.once('connect', () => {
        socket.write(
          `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
    });
  }

  sendText(text: string): void {
    if (!this.closed) this.socket.write(frame(OP_TEXT, Buffer.from(text, 'utf8')));
  }

  /** Sends a close frame and waits (bounded) for the server to close the TCP connection. */
  async close(timeoutMs = 2_000): Promise<void> {
    if (this.closed) return;
    this.socket.write(frame(OP_CLOSE, Buffer.from([0x03, 0xe8])));
    const timer = setTimeout(() => this.socket.destroy(), timeoutMs);
    await this.closedPromise;
    clearTimeout(timer);
  }

  private receive(chunk: Buffer): void {
    const data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    let offset = 0;
    while (data.length - offset >= 2) {
      const b0 = data[offset]!;
      const b1 = data[offset + 1]!;
      let length = b1 & 0x7f;
      let header = 2;
      if (length === 126) {
        if (data.length - offset < 4) break;
        length = data.readUInt16BE(offset + 2);
        header = 4;
      } else if (length === 127) {
        if (data.length - offset < 10) break;
        length = Number(data.readBigUInt64BE(offset + 2));
        header = 10;
      }
      if (b1 & 0x80) return this.protocolError('masked server frame');
      if (data.length - offset < header + length) break;
      const start = offset + header;
      const end = start + length;
      offset = end;
      const opcode = b0 & 0x0f;
      if ((b0 & 0x80) === 0 || opcode === 0) return this.protocolError('fragmented message');
      if (opcode === OP_TEXT || opcode === OP_BINARY) this.handlers.onMessage(data, start, end);
      else if (opcode === OP_PING) this.socket.write(frame(OP_PONG, data.subarray(start, end)));
      else if (opcode === OP_CLOSE) {
        this.socket.end(frame(OP_CLOSE, data.subarray(start, Math.min(end, start + 2))));
        return;
      }
      // OP_PONG and anything else: nothing to do.
    }
    if (offset < data.length) this.pending = Buffer.from(data.subarray(offset));
  }

  private protocolError(why: string): void {
    process.stderr.write(`raw-websocket: ${why}; closing\n`);
    this.socket.destroy();
  }
}

/** A masked client frame (RFC 6455 §5.3: client frames are always masked). */
function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const out = Buffer.allocUnsafe(header + 4 + length);
  out[0] = 0x80 | opcode;
  if (length < 126) out[1] = 0x80 | length;
  else if (length < 65_536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = randomBytes(4);
  mask.copy(out, header);
  for (let index = 0; index < length; index += 1) out[header + 4 + index] = payload[index]! ^ mask[index & 3]!;
  return out;
}
