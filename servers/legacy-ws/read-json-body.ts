import type { IncomingMessage } from 'node:http';

export type BodyResult = { ok: true; json: unknown } | { ok: false; code: 'payload_too_large' | 'invalid_json'; message: string };

/** Reads a request body up to `limitBytes` and parses it as JSON. */
export async function readJsonBody(request: IncomingMessage, limitBytes: number): Promise<BodyResult> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limitBytes) return tooLarge(limitBytes);
  const chunks: Buffer[] = [];
  let received = 0;
  // Over the limit, keep draining (and discarding) so the 413 can still be written back.
  for await (const chunk of request as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received <= limitBytes) chunks.push(chunk);
  }
  if (received > limitBytes) return tooLarge(limitBytes);
  try {
    return { ok: true, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { ok: false, code: 'invalid_json', message: 'body is not valid JSON' };
  }
}

function tooLarge(limitBytes: number): BodyResult {
  return { ok: false, code: 'payload_too_large', message: `body exceeds ${limitBytes} bytes` };
}
