/**
 * RFC 6455 §5.2 framing of what the server sends: unmasked, unfragmented frames. The
 * outbox frames messages itself (rather than through `ws`'s sender) so that a turn's
 * frames for one socket can be laid out in one buffer and written with one call.
 */
export const OPCODE_TEXT = 0x1;
export const OPCODE_BINARY = 0x2;

/** Header bytes of a frame carrying `payloadLength` bytes. */
export function frameHeaderLength(payloadLength: number): number {
  return payloadLength < 126 ? 2 : payloadLength < 65_536 ? 4 : 10;
}

/** Writes a FIN frame header at `offset`; returns the offset after it. */
export function writeFrameHeader(target: Buffer, offset: number, opcode: number, payloadLength: number): number {
  target[offset] = 0x80 | opcode;
  if (payloadLength < 126) {
    target[offset + 1] = payloadLength;
    return offset + 2;
  }
  if (payloadLength < 65_536) {
    target[offset + 1] = 126;
    target.writeUInt16BE(payloadLength, offset + 2);
    return offset + 4;
  }
  target[offset + 1] = 127;
  target.writeUInt32BE(Math.floor(payloadLength / 2 ** 32), offset + 2);
  target.writeUInt32BE(payloadLength >>> 0, offset + 6);
  return offset + 10;
}
