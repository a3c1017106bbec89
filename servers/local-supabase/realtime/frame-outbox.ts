import type { Duplex } from 'node:stream';
import { frameHeaderLength, OPCODE_BINARY, OPCODE_TEXT, writeFrameHeader } from './websocket-framing.js';

/** Below this a turn's frames for a socket are laid out in the shared scratch buffer. */
const SCRATCH_BYTES = 256 * 1024;
/** A queue that grew past this in a burst (a large REST batch) is not kept at that size. */
const KEEP_ITEMS = 4_096;

/**
 * The frames due to one connection in the current event-loop turn. A frame is queued as its
 * parts (shared Buffers: a fan-out's payload is serialized once for every recipient), and at
 * the end of the turn everything queued goes to the socket at once — one syscall per socket
 * per turn however many frames it carries.
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

  /**
   * Writes everything queued, in order, with one call. Normally the frames are laid out in
   * the shared scratch buffer (no allocation). A socket that still has unsent data would keep
   * what it is given until it drains, and a very large turn would need a buffer of its own:
   * those get the parts by reference instead (one `writev` of shared Buffers), so a backed-up
   * reader holds references to payloads every recipient shares, never copies of them.
   */
  flush(scratch: Scratch): void {
    this.listed = false;
    if (this.count === 0) return;
    const { socket } = this;
    if (socket.destroyed || !socket.writable) return this.discard();
    try {
      if (socket.writableLength === 0 && this.bytes <= SCRATCH_BYTES) this.writeCopy(scratch);
      else this.writeParts();
    } finally {
      this.reset();
    }
  }

  private writeCopy(scratch: Scratch): void {
    const out = scratch.buffer;
    let offset = 0;
    for (let index = 0; index < this.count; index += 1) {
      const item = this.items[index]!;
      if (typeof item === 'number') offset = writeFrameHeader(out, offset, opcodeOf(item), lengthOf(item));
      else {
        out.set(item, offset);
        offset += item.length;
      }
    }
    this.socket.write(out.subarray(0, offset));
    // Not all of it reached the kernel at once: the pending write now owns the scratch buffer.
    if (this.socket.writableLength !== 0) scratch.replace();
  }

  private writeParts(): void {
    const { socket } = this;
    socket.cork();
    for (let index = 0; index < this.count; index += 1) {
      const item = this.items[index]!;
      if (typeof item === 'number') {
        const length = lengthOf(item);
        const header = Buffer.allocUnsafe(frameHeaderLength(length));
        writeFrameHeader(header, 0, opcodeOf(item), length);
        socket.write(header);
      } else socket.write(item);
    }
    socket.uncork();
  }

  /** Drops everything queued (the connection is gone). */
  discard(): void {
    this.reset();
  }

  private reset(): void {
    if (this.items.length > KEEP_ITEMS) this.items = [];
    else for (let index = 0; index < this.count; index += 1) this.items[index] = 0;
    this.count = 0;
    this.bytes = 0;
  }
}

const opcodeOf = (marker: number) => (marker % 2 === 1 ? OPCODE_BINARY : OPCODE_TEXT);
const lengthOf = (marker: number) => Math.floor(marker / 2);

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

  constructor(
    private readonly afterFlush: () => void = () => {},
    private readonly onError: (error: unknown) => void = (error) => {
      throw error;
    },
  ) {}

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
      // One socket's failure must not keep the others' frames back.
      try {
        this.due[index]!.flush(this.scratch);
      } catch (error) {
        this.onError(error);
      }
      this.due[index] = undefined;
    }
    this.dueCount = 0;
    this.afterFlush();
  };
}
