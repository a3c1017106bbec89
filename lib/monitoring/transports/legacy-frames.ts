import * as v from 'valibot';
import { describeIssue } from '@/contracts/envelope';
import { serverFrameWireSchema, type ServerFrameOnTheWire } from '@/contracts/legacy-protocol';

/** Server frames of the legacy feed (contracts/legacy-protocol.ts), as validated at the socket. */
export type LegacyServerFrame = ServerFrameOnTheWire;

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
  const parsed = v.safeParse(serverFrameWireSchema, json);
  if (parsed.success) return { ok: true, frame: parsed.output };
  return { ok: false, reason: `legacy frame ${describeIssue(parsed.issues, 'type')}` };
}
