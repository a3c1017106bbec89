import type { Envelope } from '../../contracts/envelope.js';
import type { ServerFrame } from '../../contracts/legacy-protocol.js';

export type { ErrorCode, GapReason, ServerFrame } from '../../contracts/legacy-protocol.js';

/** Encodes a frame once to UTF-8 bytes; the same Buffer is then written to every recipient. */
export function encodeFrame(frame: ServerFrame): Buffer {
  return Buffer.from(JSON.stringify(frame), 'utf8');
}

export function encodeEvent(envelope: Envelope): Buffer {
  return encodeFrame({ type: 'event', envelope });
}

const EVENT_HEAD = Buffer.from('{"type":"event","envelope":', 'utf8');
const COMMA = Buffer.from(',', 'utf8');
const EVENTS_TAIL = Buffer.from(']}', 'utf8');

const EVENTS_HEAD = Buffer.from('{"type":"events","envelopes":[', 'utf8');

/**
 * One `events` frame from `event` frames (as encodeEvent made them), reusing their envelope
 * bytes: nothing is serialized twice. The result is what
 * `encodeFrame({ type: 'events', envelopes })` would produce.
 */
export function encodeEvents(eventFrames: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [EVENTS_HEAD];
  eventFrames.forEach((frame, index) => {
    if (!frame.subarray(0, EVENT_HEAD.length).equals(EVENT_HEAD)) throw new Error('legacy-ws: encodeEvents takes frames made by encodeEvent');
    if (index > 0) parts.push(COMMA);
    parts.push(frame.subarray(EVENT_HEAD.length, frame.length - 1));
  });
  parts.push(EVENTS_TAIL);
  return Buffer.concat(parts);
}
