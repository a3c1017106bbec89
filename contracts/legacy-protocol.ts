import * as z from 'zod/mini';
import { envelopeSchema, STREAMS, streamSchema } from './envelope';

/**
 * The legacy feed's protocol (docs/legacy-protocol.md): the frames each side sends and the
 * close codes, in one place for the server (servers/legacy-ws) and the client transport.
 */

// zod/mini like contracts/envelope.ts: the client transport parses every server frame with these.
const token = z.string().check(z.minLength(1), z.maxLength(8192));
const streams = z.array(streamSchema).check(
  z.minLength(1),
  z.maxLength(STREAMS.length),
  z.refine((list) => new Set(list).size === list.length, 'streams must not repeat'),
);
const lastId = z.int().check(z.nonnegative());

/** Frames a client may send (JSON text), as one discriminated union. */
export const clientFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), token }),
  z.object({ type: z.literal('token'), token }),
  z
    .object({
      type: z.literal('subscribe'),
      streams,
      /** Per stream, the highest id the client already has: replay everything after it. */
      resume: z.optional(z.partialRecord(streamSchema, lastId)),
    })
    .check(
      z.refine((frame) => Object.keys(frame.resume ?? {}).every((stream) => frame.streams.includes(stream as never)), {
        message: 'resume may only name streams listed in streams',
        path: ['resume'],
      }),
    ),
  z.object({ type: z.literal('unsubscribe'), streams }),
  z.object({ type: z.literal('ping'), ref: z.optional(z.string().check(z.maxLength(64))) }),
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;

export const GAP_REASONS = ['evicted', 'restarted', 'replay_limit'] as const;
export type GapReason = (typeof GAP_REASONS)[number];
export const ERROR_CODES = ['invalid_frame', 'already_authenticated'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The server's frames, with `envelope` checked by the given schema. */
function serverFrames<E extends z.ZodMiniType>(envelope: E) {
  return z.discriminatedUnion('type', [
    z.object({ type: z.literal('ready'), user_id: z.string(), expires_at: z.number(), heartbeat_ms: z.int().check(z.positive()), streams: z.optional(z.array(streamSchema)) }),
    z.object({ type: z.literal('token_refreshed'), expires_at: z.number() }),
    // `head`: the highest id received per stream; `replay`: how many event frames of each resumed stream follow before live ones.
    z.object({
      type: z.literal('subscribed'),
      streams: z.array(streamSchema),
      head: z.optional(z.partialRecord(streamSchema, z.nullable(z.int()))),
      replay: z.optional(z.partialRecord(streamSchema, z.int().check(z.nonnegative()))),
    }),
    z.object({ type: z.literal('unsubscribed'), streams: z.array(streamSchema) }),
    z.object({ type: z.literal('event'), envelope }),
    z.object({ type: z.literal('gap'), stream: streamSchema, from: z.int().check(z.positive()), to: z.optional(z.int().check(z.nonnegative())), reason: z.enum(GAP_REASONS) }),
    z.object({ type: z.literal('heartbeat'), server_time: z.string() }),
    z.object({ type: z.literal('pong'), ref: z.optional(z.string()), server_time: z.string() }),
    z.object({ type: z.literal('error'), code: z.enum(ERROR_CODES), message: z.string() }),
  ]);
}

/** What the server sends (its encoders `satisfies` this). */
export const serverFrameSchema = serverFrames(envelopeSchema);
export type ServerFrame = z.infer<typeof serverFrameSchema>;
/** What a client validates at the socket: an event's envelope stays unknown here, the envelope parser owns it (with its own reasons). */
export const serverFrameWireSchema = serverFrames(z.unknown());
export type ServerFrameOnTheWire = z.infer<typeof serverFrameWireSchema>;

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
