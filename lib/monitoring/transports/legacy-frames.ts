import { z } from 'zod';
import { STREAMS } from '@/lib/monitoring/model';

const stream = z.enum(STREAMS);

/**
 * Server frames of the legacy feed (docs/legacy-protocol.md), validated at the socket.
 * `event.envelope` stays unknown here: `parseEnvelope` owns its shape.
 */
export const legacyServerFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), user_id: z.string(), expires_at: z.number(), heartbeat_ms: z.number().int().positive() }),
  z.object({ type: z.literal('token_refreshed'), expires_at: z.number() }),
  // `replay`: how many event frames of each resumed stream follow before live ones.
  z.object({ type: z.literal('subscribed'), streams: z.array(stream), replay: z.partialRecord(stream, z.int().nonnegative()).optional() }),
  z.object({ type: z.literal('unsubscribed'), streams: z.array(stream) }),
  z.object({ type: z.literal('event'), envelope: z.unknown() }),
  z.object({ type: z.literal('gap'), stream, from: z.int().positive(), to: z.int().nonnegative().optional(), reason: z.string() }),
  z.object({ type: z.literal('heartbeat'), server_time: z.string() }),
  z.object({ type: z.literal('pong'), ref: z.string().optional(), server_time: z.string() }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type LegacyServerFrame = z.infer<typeof legacyServerFrameSchema>;

export type DecodedFrame = { ok: true; frame: LegacyServerFrame } | { ok: false; reason: string };

export function decodeLegacyFrame(data: unknown): DecodedFrame {
  if (typeof data !== 'string') return { ok: false, reason: 'binary frame' };
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { ok: false, reason: 'frame is not JSON' };
  }
  const parsed = legacyServerFrameSchema.safeParse(json);
  if (parsed.success) return { ok: true, frame: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: `legacy frame ${issue ? `${issue.path.join('.') || 'type'}: ${issue.message}` : 'invalid'}` };
}
