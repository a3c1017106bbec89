/** Phoenix serializer versions the client can ask for with `?vsn=`. */
export type Vsn = '1.0.0' | '2.0.0';

export const USER_BROADCAST_PUSH = 3;
export const USER_BROADCAST = 4;
export const ENCODING_BINARY = 0;
export const ENCODING_JSON = 1;

/** Encodes a server push (`join_ref` is dropped in 1.0.0, as Phoenix's V1 serializer does). */
export function encodePush(vsn: Vsn, joinRef: string | null, ref: string | null, topic: string, event: string, payload: unknown): string {
  return vsn === '2.0.0'
    ? JSON.stringify([joinRef, ref, topic, event, payload])
    : JSON.stringify({ topic, event, payload, ref });
}

export function encodeReply(
  vsn: Vsn,
  joinRef: string | null,
  ref: string | null,
  topic: string,
  status: 'ok' | 'error',
  response: unknown,
): string {
  return encodePush(vsn, joinRef, ref, topic, 'phx_reply', { status, response });
}

/**
 * Encodes a fan-out push (`join_ref` and `ref` null) around an already serialized JSON
 * payload, so a payload is stringified once however many recipients it has.
 */
export function encodeFanoutText(vsn: Vsn, topicJson: string, event: string, payloadJson: string): string {
  return vsn === '2.0.0'
    ? `[null,null,${topicJson},"${event}",${payloadJson}]`
    : `{"topic":${topicJson},"event":"${event}","payload":${payloadJson},"ref":null}`;
}

/**
 * The text of {@link encodeFanoutText} before and after the payload, so a payload serialized
 * once can be framed for many topics without building each frame as a string.
 */
export function fanoutTextParts(vsn: Vsn, topicJson: string, event: string): [head: string, tail: string] {
  const [head = '', tail = ''] = encodeFanoutText(vsn, topicJson, event, PAYLOAD_MARK).split(PAYLOAD_MARK);
  return [head, tail];
}

/** Never in a JSON topic or event text (JSON escapes control characters). */
const PAYLOAD_MARK = '\u0000';

/** A decoded binary kind-3 "user broadcast push" (realtime-protocol.md §1.2). */
export interface UserBroadcastPush {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  metadata: string;
  encoding: number;
  payload: Buffer;
}

const PUSH_HEADER = 7;

/** Decodes a kind-3 frame; throws `realtime: …` errors on anything malformed. */
export function decodeUserBroadcastPush(frame: Buffer): UserBroadcastPush {
  if (frame.length < PUSH_HEADER) throw new Error('realtime: binary frame shorter than its header');
  if (frame[0] !== USER_BROADCAST_PUSH) throw new Error(`realtime: unsupported binary frame kind ${frame[0]}`);
  const lengths = [frame[1] ?? 0, frame[2] ?? 0, frame[3] ?? 0, frame[4] ?? 0, frame[5] ?? 0];
  const encoding = frame[6] ?? -1;
  if (encoding !== ENCODING_BINARY && encoding !== ENCODING_JSON) throw new Error(`realtime: unknown payload encoding ${encoding}`);
  let offset = PUSH_HEADER;
  const fields = lengths.map((length) => {
    const end = offset + length;
    if (end > frame.length) throw new Error('realtime: binary frame field overruns the frame');
    const text = frame.toString('utf8', offset, end);
    offset = end;
    return text;
  });
  const [joinRef = '', ref = '', topic = '', event = '', metadata = ''] = fields;
  return { joinRef: joinRef || null, ref: ref || null, topic, event, metadata, encoding, payload: frame.subarray(offset) };
}

/** Encodes a kind-4 "user broadcast" frame (the only binary kind realtime-js decodes). */
export function encodeUserBroadcast(topic: string, event: string, encoding: number, payload: Buffer, metadata = ''): Buffer {
  const topicBytes = Buffer.from(topic, 'utf8');
  const eventBytes = Buffer.from(event, 'utf8');
  const metaBytes = Buffer.from(metadata, 'utf8');
  if (topicBytes.length > 255 || eventBytes.length > 255 || metaBytes.length > 255) {
    throw new Error('realtime: kind-4 header field longer than 255 bytes');
  }
  const header = Buffer.from([USER_BROADCAST, topicBytes.length, eventBytes.length, metaBytes.length, encoding]);
  return Buffer.concat([header, topicBytes, eventBytes, metaBytes, payload]);
}
