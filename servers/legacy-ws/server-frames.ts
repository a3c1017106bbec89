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
