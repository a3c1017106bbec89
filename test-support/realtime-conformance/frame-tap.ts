import WebSocket from 'ws';
import { EventLog } from './event-log.js';
import { decodeBinaryFrame, decodeTextFrame, type TappedFrame } from './frames.js';

/**
 * A `ws` WebSocket subclass handed to realtime-js as `realtime.transport` that records
 * every frame, open and close of the official client's connections. It is injection, not
 * a mock: frames pass to and from the real server unchanged.
 */
export interface FrameTap {
  transport: new (address: string | URL, protocols?: string | string[]) => WebSocket;
  frames: EventLog<TappedFrame>;
  /** One entry per transport instance the client created (connection attempts). */
  connections: EventLog<{ conn: number; url: URL }>;
  opens: EventLog<{ conn: number }>;
  /** `close()` calls made by the client itself. */
  clientCloses: EventLog<{ conn: number; code?: number; reason?: string }>;
  /** Close events, whoever started them. */
  closed: EventLog<{ conn: number; code: number; reason: string }>;
}

export function createFrameTap(): FrameTap {
  const tap: FrameTap = {
    transport: WebSocket,
    frames: new EventLog('frames'),
    connections: new EventLog('connections'),
    opens: new EventLog('opens'),
    clientCloses: new EventLog('client closes'),
    closed: new EventLog('closed'),
  };
  let nextConn = 0;
  class TappedWebSocket extends WebSocket {
    private readonly conn = nextConn++;

    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols);
      const conn = this.conn;
      tap.connections.push({ conn, url: new URL(String(address)) });
      this.on('open', () => tap.opens.push({ conn }));
      this.on('close', (code, reason) => tap.closed.push({ conn, code, reason: reason.toString('utf8') }));
      this.on('message', (data, isBinary) => {
        const bytes = toBytes(data);
        tap.frames.push(
          isBinary
            ? { conn, dir: 'in', binary: true, ...decodeBinaryFrame(bytes) }
            : { conn, dir: 'in', binary: false, ...decodeTextFrame(new TextDecoder().decode(bytes)) },
        );
      });
    }

    override send(data: any, ...rest: any[]): void {
      const frame: TappedFrame =
        typeof data === 'string'
          ? { conn: this.conn, dir: 'out', binary: false, ...decodeTextFrame(data) }
          : { conn: this.conn, dir: 'out', binary: true, ...decodeBinaryFrame(toBytes(data)) };
      tap.frames.push(frame);
      (super.send as (...args: unknown[]) => void)(data, ...rest);
    }

    override close(code?: number, reason?: string): void {
      tap.clientCloses.push({ conn: this.conn, code, reason });
      super.close(code, reason);
    }
  }
  tap.transport = TappedWebSocket;
  return tap;
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data as Buffer[]));
  throw new Error('conformance: unexpected frame data type');
}

/** Helpers over a tap's frame log. */
export const frameIs =
  (dir: 'in' | 'out', event: string, topic?: string) =>
  (frame: TappedFrame): boolean =>
    frame.dir === dir && frame.message?.event === event && (topic === undefined || frame.message.topic === topic);
