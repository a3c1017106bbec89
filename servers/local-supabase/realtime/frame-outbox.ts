import type { Duplex } from 'node:stream';
import { frameHeaderLength, OPCODE_BINARY, OPCODE_TEXT, writeFrameHeader } from './websocket-framing.js';

/** Below this a turn's frames for a socket are laid out in the shared scratch buffer. */
const SCRATCH_BYTES = 256 * 1024;

/**
 * The frames due to one connection in the current event-loop turn. A frame is queued as its
 * parts (shared Buffers: a fan-out's payload is serialized once for every recipient), and at
 * the end of the turn everything queued is laid out in one buffer and written with one
 * `write` — one syscall per socket per turn however many frames it carries.
 */
export class FrameOutbox {
  /** Per frame: a marker (payload length × 2 + binary bit), then its parts. */
  private items: Array<Buffer | number> = [];
  private count = 0;
  private bytes = 0;
  /** Listed with the flusher for the current turn. */
  listed = false;

  constructor(
    private readonly socket: Duplex,
    private readonly flusher: OutboxFlusher,
  ) {}

  /** Bytes accepted but not yet handed to the kernel: queued here plus unsent in the socket. */
  backlog(): number {
    return this.bytes + this.socket.writableLength;
  }

  /** Queues one message: the concatenation of the parts, as a text or binary frame. */
  push(binary: boolean, first: Buffer, second?: Buffer, third?: Buffer): void {
    const length = first.length + (second ? second.length : 0) + (third ? third.length : 0);
    this.items[this.count++] = length * 2 + (binary ? 1 : 0);
    this.items[this.count++] = first;
    if (second) this.items[this.count++] = second;
    if (third) this.items[this.count++] = third;
    this.bytes += frameHeaderLength(length) + length;
    if (!this.listed) {
      this.listed = true;
      this.flusher.list(this);
    }
  }

  /** Writes everything queued, in order, as one buffer. */
  flush(scratch: Scratch): void {
    this.listed = false;
    if (this.count === 0) return;
    const { socket } = this;
    if (socket.destroyed || !socket.writable) return this.discard();
    const total = this.bytes;
    // A socket with unsent data keeps what it is given until it drains: give it its own copy,
    // so a slow reader never pins the shared scratch buffer.
    const shared = socket.writableLength === 0 && total <= SCRATCH_BYTES;
    const out = shared ? scratch.buffer : Buffer.allocUnsafeSlow(total);
    let offset = 0;
    for (let index = 0; index < this.count; index += 1) {
      const item = this.items[index]!;
      if (typeof item === 'number') offset = writeFrameHeader(out, offset, item % 2 === 1 ? OPCODE_BINARY : OPCODE_TEXT, Math.floor(item / 2));
      else {
        out.set(item, offset);
        offset += item.length;
      }
      this.items[index] = 0;
    }
    this.count = 0;
    this.bytes = 0;
    socket.write(offset === out.length ? out : out.subarray(0, offset));
    // Not all of it reached the kernel at once: the pending write now owns the scratch buffer.
    if (shared && socket.writableLength !== 0) scratch.replace();
  }

  /** Drops everything queued (the connection is gone). */
  discard(): void {
    for (let index = 0; index < this.count; index += 1) this.items[index] = 0;
    this.count = 0;
    this.bytes = 0;
  }
}

/** A reusable output buffer, replaced whenever a write still holds it. */
export class Scratch {
  buffer = Buffer.allocUnsafeSlow(SCRATCH_BYTES);

  replace(): void {
    this.buffer = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  }
}

/** Flushes every outbox that got frames this turn, once, after the turn's I/O callbacks (`setImmediate`). */
export class OutboxFlusher {
  private readonly due: Array<FrameOutbox | undefined> = [];
  private dueCount = 0;
  private scheduled = false;
  private readonly scratch = new Scratch();

  constructor(private readonly afterFlush: () => void = () => {}) {}

  list(outbox: FrameOutbox): void {
    this.due[this.dueCount++] = outbox;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushAll);
    }
  }

  /** Writes one outbox now (before a close frame, which `ws` sends itself). */
  flushNow(outbox: FrameOutbox): void {
    outbox.flush(this.scratch);
  }

  private readonly flushAll = (): void => {
    this.scheduled = false;
    for (let index = 0; index < this.dueCount; index += 1) {
      this.due[index]!.flush(this.scratch);
      this.due[index] = undefined;
    }
    this.dueCount = 0;
    this.afterFlush();
  };
}
