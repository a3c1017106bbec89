import { z } from 'zod';
import { STREAMS, streamSchema } from './envelope.js';

const token = z.string().min(1).max(8192);
const streams = z
  .array(streamSchema)
  .min(1)
  .max(STREAMS.length)
  .refine((list) => new Set(list).size === list.length, 'streams must not repeat');
const lastId = z.int().nonnegative();

/** Frames a client may send (JSON text), validated as one discriminated union. */
export const clientFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), token }),
  z.object({ type: z.literal('token'), token }),
  z
    .object({
      type: z.literal('subscribe'),
      streams,
      /** Per stream, the highest id the client already has: replay everything after it. */
      resume: z.partialRecord(streamSchema, lastId).optional(),
    })
    .refine((frame) => Object.keys(frame.resume ?? {}).every((stream) => frame.streams.includes(stream as never)), {
      message: 'resume may only name streams listed in streams',
      path: ['resume'],
    }),
  z.object({ type: z.literal('unsubscribe'), streams }),
  z.object({ type: z.literal('ping'), ref: z.string().max(64).optional() }),
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;

export type ParsedClientFrame = { ok: true; frame: ClientFrame } | { ok: false; message: string };

/** Parses one inbound frame; binary frames, bad JSON and schema misses all come back as `ok: false`. */
export function parseClientFrame(raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): ParsedClientFrame {
  if (isBinary) return { ok: false, message: 'binary frames are not accepted; send JSON text' };
  const text = Array.isArray(raw) ? Buffer.concat(raw).toString('utf8') : Buffer.isBuffer(raw) ? raw.toString('utf8') : Buffer.from(raw).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { ok: false, message: 'frame is not valid JSON' };
  }
  const result = clientFrameSchema.safeParse(json);
  if (result.success) return { ok: true, frame: result.data };
  const issue = result.error.issues[0];
  return { ok: false, message: issue ? `${issue.path.join('.') || 'frame'}: ${issue.message}` : 'invalid frame' };
}
