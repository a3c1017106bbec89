import { z } from 'zod';
import type { Vsn } from './serializer.js';

const ref = z
  .union([z.string(), z.number().transform(String)])
  .nullish()
  .transform((value) => value ?? null);

/** vsn 2.0.0 text frame: `[join_ref, ref, topic, event, payload]`. */
const arrayEnvelope = z
  .tuple([ref, ref, z.string(), z.string(), z.unknown()])
  .transform(([joinRef, ref, topic, event, payload]) => ({ joinRef, ref, topic, event, payload }));

/** vsn 1.0.0 text frame: `{topic, event, payload, ref, join_ref?}`. */
const objectEnvelope = z
  .object({ topic: z.string(), event: z.string(), payload: z.unknown(), ref, join_ref: ref })
  .transform(({ topic, event, payload, ref, join_ref }) => ({ joinRef: join_ref, ref, topic, event, payload }));

export type Envelope = z.output<typeof arrayEnvelope>;

/** Parses a text frame for the socket's serializer; throws on malformed JSON or shape. */
export function parseTextFrame(vsn: Vsn, text: string): Envelope {
  const json: unknown = JSON.parse(text);
  return (vsn === '2.0.0' ? arrayEnvelope : objectEnvelope).parse(json);
}

/** `true`/`false` or case-insensitive strings, as the server's join validation accepts. */
const flexBool = z.union([z.boolean(), z.string().transform((s) => s.trim().toLowerCase() === 'true')]);

const joinConfig = z.object({
  broadcast: z
    .object({
      self: flexBool.optional().catch(undefined),
      ack: flexBool.optional().catch(undefined),
      /** `{ since, limit }`, validated at join (invalid params refuse the join, as upstream). */
      replay: z.unknown().optional(),
      replication_ready: flexBool.optional().catch(undefined),
    })
    .passthrough()
    .optional()
    .catch(undefined),
  presence: z
    .object({
      key: z.union([z.string(), z.number().transform(String)]).optional().catch(undefined),
      enabled: flexBool.optional().catch(undefined),
    })
    .passthrough()
    .optional()
    .catch(undefined),
  postgres_changes: z.array(z.record(z.string(), z.unknown())).optional().catch(undefined),
  private: flexBool.optional().catch(undefined),
  postgres_changes_options: z
    .object({ wait: flexBool.optional().catch(undefined), timeout: z.number().optional().catch(undefined) })
    .passthrough()
    .optional()
    .catch(undefined),
});

const token = z.string().nullish().catch(undefined);

/** Join payload; invalid parts fall back to defaults like the real server (the join proceeds). */
export const joinPayload = z
  .object({ config: joinConfig.optional().catch(undefined), access_token: token, user_token: token })
  .passthrough()
  .catch({});

export type JoinPayload = z.output<typeof joinPayload>;

const userEventPayload = z.object({ type: z.string().optional(), event: z.string() }).passthrough();

/** Events a joined channel (or the `phoenix` topic) understands, discriminated by `event`. */
export const channelEvent = z.discriminatedUnion('event', [
  z.object({ event: z.literal('phx_join'), payload: joinPayload }),
  z.object({ event: z.literal('phx_leave'), payload: z.unknown() }),
  z.object({ event: z.literal('heartbeat'), payload: z.unknown() }),
  z.object({ event: z.literal('access_token'), payload: z.object({ access_token: z.string().nullish() }).passthrough() }),
  z.object({ event: z.literal('broadcast'), payload: userEventPayload }),
  z.object({ event: z.literal('presence'), payload: userEventPayload }),
]);

export const KNOWN_EVENTS: ReadonlySet<string> = new Set(['phx_join', 'phx_leave', 'heartbeat', 'access_token', 'broadcast', 'presence']);
