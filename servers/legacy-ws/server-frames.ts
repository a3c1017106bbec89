import type { Envelope, Stream } from './envelope.js';

export type GapReason = 'evicted' | 'restarted' | 'replay_limit';

/** Frames the server sends (JSON text). `satisfies` in the encoders keeps them honest. */
export type ServerFrame =
  | { type: 'ready'; user_id: string; expires_at: number; heartbeat_ms: number; streams: Stream[] }
  | { type: 'token_refreshed'; expires_at: number }
  | { type: 'subscribed'; streams: Stream[]; head: Partial<Record<Stream, number | null>>; replay: Partial<Record<Stream, number>> }
  | { type: 'unsubscribed'; streams: Stream[] }
  | { type: 'event'; envelope: Envelope }
  | { type: 'gap'; stream: Stream; from: number; to?: number; reason: GapReason }
  | { type: 'heartbeat'; server_time: string }
  | { type: 'pong'; ref?: string; server_time: string }
  | { type: 'error'; code: ErrorCode; message: string };

export type ErrorCode = 'invalid_frame' | 'already_authenticated';

/** Encodes a frame once to UTF-8 bytes; the same Buffer is then written to every recipient. */
export function encodeFrame(frame: ServerFrame): Buffer {
  return Buffer.from(JSON.stringify(frame), 'utf8');
}

export function encodeEvent(envelope: Envelope): Buffer {
  return encodeFrame({ type: 'event', envelope });
}
