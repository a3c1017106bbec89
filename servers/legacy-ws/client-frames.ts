import * as v from 'valibot';
import { describeIssue } from '../../contracts/envelope.js';
import { clientFrameSchema, type ClientFrame } from '../../contracts/legacy-protocol.js';

export type { ClientFrame };

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
  const result = v.safeParse(clientFrameSchema, json);
  if (result.success) return { ok: true, frame: result.output };
  return { ok: false, message: describeIssue(result.issues, 'frame') };
}
