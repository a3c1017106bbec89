/** Test helpers: real `ws` clients against a real server, tokens signed with jose. */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { WebSocket } from 'ws';
import type { Envelope, Stream } from '../../contracts/envelope.js';

export const TEST_JWT_SECRET = 'legacy-ws-test-secret-0123456789abcdef';
export const TEST_PUBLISH_KEY = 'legacy-ws-test-publish-key-0123456789abcdef';

export async function signUserToken(options: { sub?: string; expiresInS?: number; alg?: 'HS256' | 'HS384'; secret?: string; role?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: options.role ?? 'authenticated' })
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
    .setSubject(options.sub ?? 'user-1')
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresInS ?? 3600))
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

export function envelope(stream: Stream, id: number, data: Record<string, unknown> = { n: id }): Envelope {
  return { id, event_id: randomUUID(), stream, emitted_at: new Date().toISOString(), data };
}

export function envelopes(stream: Stream, fromId: number, toId: number): Envelope[] {
  return Array.from({ length: toId - fromId + 1 }, (_, index) => envelope(stream, fromId + index));
}

type Frame = { type: string } & Record<string, unknown>;

/** A real client that records every frame and lets a test await the next matching one. */
export interface FeedTestClient {
  ws: WebSocket;
  frames: Frame[];
  send(frame: unknown): void;
  /** Resolves with the first recorded frame (past or future) matching `predicate` after index `from`. */
  waitFor(predicate: (frame: Frame) => boolean, from?: number): Promise<Frame>;
  /** Resolves once `count` events have arrived (single or batched). */
  waitForEvents(count: number): Promise<Envelope[]>;
  events(): Envelope[];
  closed: Promise<{ code: number; reason: string }>;
}

const WAIT_MS = 10_000;

export function openClient(feedUrl: string): Promise<FeedTestClient> {
  const ws = new WebSocket(feedUrl);
  const frames: Frame[] = [];
  const listeners = new Set<() => void>();
  ws.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as Frame);
    for (const listener of listeners) listener();
  });
  let closedWith: { code: number; reason: string } | undefined;
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      closedWith = { code, reason: String(reason) };
      resolve(closedWith);
      for (const listener of listeners) listener();
    }),
  );
  const until = <T>(check: () => T | undefined, what: string) =>
    new Promise<T>((resolve, reject) => {
      const attempt = () => {
        const value = check();
        if (value === undefined) {
          if (!closedWith) return;
          cleanup();
          reject(new Error(`feed-test-kit: socket closed (${closedWith.code} ${closedWith.reason}) before ${what}`));
          return;
        }
        cleanup();
        resolve(value);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`feed-test-kit: timed out waiting for ${what}; got ${JSON.stringify(frames.slice(-3))}`));
      }, WAIT_MS);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(attempt);
      };
      listeners.add(attempt);
      attempt();
    });
  // `event` frames and the envelopes of `events` frames (a `batch: true` subscription), in arrival order.
  const events = () => frames.flatMap((frame) => (frame.type === 'event' ? [frame.envelope as Envelope] : frame.type === 'events' ? (frame.envelopes as Envelope[]) : []));
  const client: FeedTestClient = {
    ws,
    frames,
    send: (frame) => ws.send(JSON.stringify(frame)),
    waitFor: (predicate, from = 0) => until(() => frames.slice(from).find(predicate), 'a matching frame'),
    waitForEvents: (count) => until(() => (events().length >= count ? events() : undefined), `${count} events`),
    events,
    closed,
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('error', reject);
  });
}

/** Opens a client, authenticates and waits for `ready`. */
export async function openReadyClient(feedUrl: string, token?: string): Promise<FeedTestClient> {
  const client = await openClient(feedUrl);
  client.send({ type: 'auth', token: token ?? (await signUserToken()) });
  await client.waitFor((frame) => frame.type === 'ready');
  return client;
}
