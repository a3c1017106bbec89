import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { FrameOutbox, OutboxFlusher } from './frame-outbox.js';

interface Pair {
  /** The server side of an upgraded connection, as the Realtime server holds it. */
  socket: Duplex;
  /** Byte length of every `write` made to it. */
  writes: number[];
  client: WebSocket;
  received: Array<{ binary: boolean; data: Buffer }>;
  /** Resolves once the client has received `n` messages in total. */
  messages(n: number): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A real WebSocket connection: `ws` on both ends, so the client decodes what the outbox framed. */
async function connect(): Promise<Pair> {
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true });
  const upgraded = new Promise<Duplex>((resolve) => server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, () => resolve(socket))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  const received: Pair['received'] = [];
  const waiters = new Set<() => void>();
  client.on('message', (data, binary) => {
    received.push({ binary, data: data as Buffer });
    for (const waiter of waiters) waiter();
  });
  const socket = await upgraded;
  await new Promise((resolve) => client.once('open', resolve));
  const writes: number[] = [];
  const write = socket.write.bind(socket) as (chunk: Buffer) => boolean;
  socket.write = ((chunk: Buffer) => {
    writes.push(chunk.length);
    return write(chunk);
  }) as typeof socket.write;
  cleanups.push(async () => {
    client.terminate();
    socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    socket,
    writes,
    client,
    received,
    messages: (n) =>
      new Promise<void>((resolve) => {
        const check = () => received.length >= n && (waiters.delete(check), resolve());
        waiters.add(check);
        check();
      }),
  };
}

const text = (s: string) => Buffer.from(s, 'utf8');

describe('frame outbox', () => {
  it('sends every frame queued in one turn with a single write, in order, with text and binary kept apart', async () => {
    const pair = await connect();
    const outbox = new FrameOutbox(pair.socket, new OutboxFlusher());
    const shared = text('"shared payload ü"');
    for (let index = 0; index < 50; index += 1) {
      if (index % 10 === 9) outbox.push(true, Buffer.from([4, index]));
      else outbox.push(false, text(`[${index},`), shared, text(']'));
    }
    expect(pair.writes).toEqual([]);
    await pair.messages(50);
    expect(pair.writes).toHaveLength(1);
    pair.received.forEach(({ binary, data }, index) => {
      expect(binary).toBe(index % 10 === 9);
      expect(data).toEqual(binary ? Buffer.from([4, index]) : text(`[${index},"shared payload ü"]`));
    });
  });

  it('frames payloads of every length class (7-bit, 16-bit and 64-bit lengths) so a WebSocket client decodes them', async () => {
    const pair = await connect();
    const outbox = new FrameOutbox(pair.socket, new OutboxFlusher());
    const sizes = [0, 1, 125, 126, 127, 65_535, 65_536, 300_000];
    for (const size of sizes) outbox.push(false, Buffer.alloc(size, 0x61));
    await pair.messages(sizes.length);
    expect(pair.received.map(({ data }) => data.length)).toEqual(sizes);
    expect(pair.received.every(({ data }) => data.every((byte) => byte === 0x61))).toBe(true);
  });

  it('writes a later turn after the earlier one and keeps order across turns', async () => {
    const pair = await connect();
    const outbox = new FrameOutbox(pair.socket, new OutboxFlusher());
    outbox.push(false, text('"first"'));
    outbox.push(false, text('"second"'));
    await pair.messages(2);
    outbox.push(false, text('"third"'));
    await pair.messages(3);
    expect(pair.received.map(({ data }) => data.toString())).toEqual(['"first"', '"second"', '"third"']);
    expect(pair.writes).toHaveLength(2);
  });

  it('counts queued and unsent bytes as backlog and forgets them on discard', async () => {
    const pair = await connect();
    const flusher = new OutboxFlusher();
    const outbox = new FrameOutbox(pair.socket, flusher);
    outbox.push(false, Buffer.alloc(1_000));
    expect(outbox.backlog()).toBe(1_000 + 4);
    outbox.discard();
    expect(outbox.backlog()).toBe(0);
    outbox.push(false, text('"after"'));
    flusher.flushNow(outbox);
    await pair.messages(1);
    expect(pair.received.map(({ data }) => data.toString())).toEqual(['"after"']);
  });
});
