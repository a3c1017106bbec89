/** One Phoenix message, whichever way it was framed on the wire. */
export interface PhoenixMessage {
  join_ref: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: any;
}

/** One WebSocket frame as the tap saw it, decoded where the protocol says how. */
export interface TappedFrame {
  /** Index of the connection (transport instance) of this tap, in creation order. */
  conn: number;
  dir: 'in' | 'out';
  binary: boolean;
  /** Text frames: the JSON shape (`array` = vsn 2.0.0, `object` = vsn 1.0.0); `invalid` if not JSON. */
  form?: 'array' | 'object' | 'invalid';
  /** Binary frames: the first byte (3 = client user-broadcast push, 4 = server user broadcast). */
  kind?: number;
  /** Decoded message; absent for undecodable frames. */
  message?: PhoenixMessage;
}

export function decodeTextFrame(text: string): Pick<TappedFrame, 'form' | 'message'> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { form: 'invalid' };
  }
  if (Array.isArray(parsed) && parsed.length === 5) {
    const [join_ref, ref, topic, event, payload] = parsed as [string | null, string | null, string, string, unknown];
    return { form: 'array', message: { join_ref: join_ref ?? null, ref: ref ?? null, topic, event, payload } };
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const object = parsed as Record<string, any>;
    return {
      form: 'object',
      message: { join_ref: object.join_ref ?? null, ref: object.ref ?? null, topic: object.topic, event: object.event, payload: object.payload },
    };
  }
  return { form: 'invalid' };
}

/** Decodes realtime-js binary kinds 3 (client → server) and 4 (server → client); §1.2. */
export function decodeBinaryFrame(bytes: Uint8Array): Pick<TappedFrame, 'kind' | 'message'> {
  const kind = bytes[0];
  const utf8 = new TextDecoder();
  const take = (start: number, length: number) => utf8.decode(bytes.subarray(start, start + length));
  if (kind === 3 && bytes.length >= 7) {
    const [joinRefLength, refLength, topicLength, eventLength, metaLength] = [bytes[1]!, bytes[2]!, bytes[3]!, bytes[4]!, bytes[5]!];
    let offset = 7;
    const joinRef = take(offset, joinRefLength);
    offset += joinRefLength;
    const ref = take(offset, refLength);
    offset += refLength;
    const topic = take(offset, topicLength);
    offset += topicLength;
    const event = take(offset, eventLength);
    offset += eventLength + metaLength;
    const payload = decodeUserPayload(bytes.subarray(offset), bytes[6]!);
    return { kind, message: { join_ref: joinRef || null, ref: ref || null, topic, event: 'broadcast', payload: { type: 'broadcast', event, payload } } };
  }
  if (kind === 4 && bytes.length >= 5) {
    const [topicLength, eventLength, metaLength] = [bytes[1]!, bytes[2]!, bytes[3]!];
    let offset = 5;
    const topic = take(offset, topicLength);
    offset += topicLength;
    const event = take(offset, eventLength);
    offset += eventLength + metaLength;
    const payload = decodeUserPayload(bytes.subarray(offset), bytes[4]!);
    return { kind, message: { join_ref: null, ref: null, topic, event: 'broadcast', payload: { type: 'broadcast', event, payload } } };
  }
  return { kind };
}

function decodeUserPayload(bytes: Uint8Array, encoding: number): unknown {
  if (encoding !== 1) return bytes;
  return JSON.parse(new TextDecoder().decode(bytes));
}
