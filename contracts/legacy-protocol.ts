import * as v from 'valibot';
import { envelopeSchema, safeInt, STREAMS, streamSchema } from './envelope';

/**
 * The legacy feed's protocol (docs/legacy-protocol.md): the frames each side sends and the
 * close codes, in one place for the server (servers/legacy-ws) and the client transport.
 */

// Valibot like contracts/envelope.ts: the client transport parses every server frame with these.
const token = v.pipe(v.string(), v.minLength(1), v.maxLength(8192));
const streams = v.pipe(
  v.array(streamSchema),
  v.minLength(1),
  v.maxLength(STREAMS.length),
  v.check((list) => new Set(list).size === list.length, 'streams must not repeat'),
);
const lastId = safeInt(0);

/** Frames a client may send (JSON text), as one discriminated union. */
export const clientFrameSchema = v.variant('type', [
  v.object({ type: v.literal('auth'), token }),
  v.object({ type: v.literal('token'), token }),
  v.pipe(
    v.object({
      type: v.literal('subscribe'),
      streams,
      /** Per stream, the highest id the client already has: replay everything after it. */
      resume: v.optional(v.record(streamSchema, lastId)),
      /** Live events of one publish as one `events` frame (a browser pays per WebSocket message), not one `event` frame each. */
      batch: v.optional(v.boolean()),
    }),
    v.forward(
      v.partialCheck([['resume'], ['streams']], (frame) => Object.keys(frame.resume ?? {}).every((stream) => frame.streams.includes(stream as never)), 'resume may only name streams listed in streams'),
      ['resume'],
    ),
  ),
  v.object({ type: v.literal('unsubscribe'), streams }),
  v.object({ type: v.literal('ping'), ref: v.optional(v.pipe(v.string(), v.maxLength(64))) }),
]);
export type ClientFrame = v.InferOutput<typeof clientFrameSchema>;

/** The most envelopes one publish carries (the internal publish endpoint refuses more), so the most one `events` frame holds. */
export const MAX_ENVELOPES_PER_PUBLISH = 1_000;

export const GAP_REASONS = ['evicted', 'restarted', 'replay_limit'] as const;
export type GapReason = (typeof GAP_REASONS)[number];
export const ERROR_CODES = ['invalid_frame', 'already_authenticated'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The server's frames, with `envelope` checked by the given schema. */
function serverFrames<E extends v.GenericSchema>(envelope: E) {
  return v.variant('type', [
    v.object({ type: v.literal('ready'), user_id: v.string(), expires_at: v.number(), heartbeat_ms: safeInt(1), streams: v.optional(v.array(streamSchema)) }),
    v.object({ type: v.literal('token_refreshed'), expires_at: v.number() }),
    // `head`: the highest id received per stream; `replay`: how many event frames of each resumed stream follow before live ones.
    v.object({
      type: v.literal('subscribed'),
      streams: v.array(streamSchema),
      head: v.optional(v.record(streamSchema, v.nullable(v.pipe(v.number(), v.safeInteger())))),
      replay: v.optional(v.record(streamSchema, safeInt(0))),
    }),
    v.object({ type: v.literal('unsubscribed'), streams: v.array(streamSchema) }),
    v.object({ type: v.literal('event'), envelope }),
    // Only to a client that subscribed with `batch: true`: the live envelopes of one publish (of the streams it subscribed), in publish order.
    v.object({ type: v.literal('events'), envelopes: v.pipe(v.array(envelope), v.minLength(1), v.maxLength(MAX_ENVELOPES_PER_PUBLISH)) }),
    v.object({ type: v.literal('gap'), stream: streamSchema, from: safeInt(1), to: v.optional(safeInt(0)), reason: v.picklist(GAP_REASONS) }),
    v.object({ type: v.literal('heartbeat'), server_time: v.string() }),
    v.object({ type: v.literal('pong'), ref: v.optional(v.string()), server_time: v.string() }),
    v.object({ type: v.literal('error'), code: v.picklist(ERROR_CODES), message: v.string() }),
  ]);
}

/** What the server sends (its encoders `satisfies` this). */
export const serverFrameSchema = serverFrames(envelopeSchema);
export type ServerFrame = v.InferOutput<typeof serverFrameSchema>;
/** What a client validates at the socket: an event's envelope stays unknown here, the envelope parser owns it (with its own reasons). */
export const serverFrameWireSchema = serverFrames(v.unknown());
export type ServerFrameOnTheWire = v.InferOutput<typeof serverFrameWireSchema>;

/**
 * Every close code the legacy feed sends, with what a client should do about it
 * (docs/legacy-protocol.md §Close codes). 4xxx are application codes.
 */
export const CLOSE_CODES = {
  /** Server shutting down or restarting: reconnect with backoff and resume. */
  goingAway: 1001,
  /** Repeated malformed frames: a client bug; do not reconnect in a tight loop. */
  policyViolation: 1008,
  /** A frame above the size limit (sent by the ws library itself). */
  messageTooBig: 1009,
  /** Unexpected server failure: reconnect with backoff and resume. */
  internalError: 1011,
  /** Token missing, malformed, badly signed, wrong alg or not a user token; or auth skipped. */
  unauthorized: 4001,
  /** Token expired (at auth, at refresh, or mid-session): refresh the session, reconnect. */
  tokenExpired: 4002,
  /** No `auth` frame within the auth timeout: reconnect. */
  authTimeout: 4003,
  /** The client fell behind (send buffer over the bound): reconnect and resume. */
  slowConsumer: 4008,
  /** The feed is decommissioned (the rollout finished): use Realtime; retry only slowly (a kill switch can bring it back). */
  decommissioned: 4010,
} as const;
export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];
