import WebSocket from 'ws';

/** A frame as received: parsed JSON for text frames, raw bytes for binary frames. */
export type ReceivedFrame = { binary: false; json: unknown; bytes?: undefined } | { binary: true; bytes: Buffer; json?: undefined };

/** Minimal Phoenix-speaking test client over `ws` that records every inbound frame. */
export interface RawSocket {
  ws: WebSocket;
  frames: ReceivedFrame[];
  send(frame: unknown): void;
  sendBinary(bytes: Buffer): void;
  /** Resolves with the first frame (already received or future) matching `match`. */
  next(match: (frame: ReceivedFrame) => boolean, timeoutMs?: number): Promise<ReceivedFrame>;
  /** Resolves with the close code. */
  closed(timeoutMs?: number): Promise<number>;
  close(): void;
}

export async function openRawSocket(baseUrl: string, query: Record<string, string>): Promise<RawSocket> {
  const url = new URL('/realtime/v1/websocket', baseUrl.replace(/^http/, 'ws'));
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  const ws = new WebSocket(url);
  const frames: ReceivedFrame[] = [];
  const waiters = new Set<() => void>();
  let closeCode: number | undefined;
  ws.on('message', (data, isBinary) => {
    const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
    frames.push(isBinary ? { binary: true, bytes: buffer } : { binary: false, json: JSON.parse(buffer.toString('utf8')) });
    for (const waiter of waiters) waiter();
  });
  ws.on('close', (code) => {
    closeCode = code;
    for (const waiter of waiters) waiter();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const waitFor = <T>(check: () => T | undefined, what: string, timeoutMs: number) =>
    new Promise<T>((resolve, reject) => {
      const attempt = () => {
        const found = check();
        if (found === undefined) return false;
        cleanup();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`raw-socket: timed out waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(waiter);
      };
      const waiter = () => void attempt();
      waiters.add(waiter);
      attempt();
    });
  return {
    ws,
    frames,
    send: (frame) => ws.send(JSON.stringify(frame)),
    sendBinary: (bytes) => ws.send(bytes, { binary: true }),
    next: (match, timeoutMs = 3_000) => waitFor(() => frames.find(match), 'a matching frame', timeoutMs),
    closed: (timeoutMs = 3_000) => waitFor(() => closeCode, 'close', timeoutMs),
    close: () => ws.close(),
  };
}

/** Matches a vsn 2.0.0 text frame by event and optionally ref. */
export function v2(event: string, ref?: string, topic?: string) {
  return (frame: ReceivedFrame): boolean => {
    if (frame.binary || !Array.isArray(frame.json)) return false;
    const [, frameRef, frameTopic, frameEvent] = frame.json as unknown[];
    return frameEvent === event && (ref === undefined || frameRef === ref) && (topic === undefined || frameTopic === topic);
  };
}

/** Payload (5th element) of a vsn 2.0.0 text frame. */
export function payloadOf(frame: ReceivedFrame): any {
  if (frame.binary) throw new Error('raw-socket: binary frame has no JSON payload');
  return (frame.json as unknown[])[4];
}

/** Builds a binary kind-3 user broadcast push exactly as realtime-js encodes it. */
export function kind3(joinRef: string, ref: string, topic: string, event: string, payload: unknown): Buffer {
  const parts = [joinRef, ref, topic, event, ''].map((s) => Buffer.from(s, 'utf8'));
  const header = Buffer.from([3, ...parts.map((p) => p.length), 1]);
  return Buffer.concat([header, ...parts, Buffer.from(JSON.stringify(payload), 'utf8')]);
}
