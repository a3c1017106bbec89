import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { AuthHttpError } from './auth-error.js';

/** Bodies larger than this are refused with 413 before parsing (GoTrue allows 1 MB; ours are tiny). */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads a JSON request body and validates it, failing the way GoTrue's `retrieveRequestParams`
 * does: 413 `request_entity_too_large` past the cap, 400 `bad_json` for anything that is not
 * JSON of the expected shape.
 */
export async function readJsonBody<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  const raw = await readCapped(req, MAX_BODY_BYTES);
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new AuthHttpError(400, 'bad_json', `Could not parse request body as JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new AuthHttpError(400, 'bad_json', `Could not parse request body as JSON: ${issue?.message ?? 'invalid body'}${where}`, { cause: parsed.error });
  }
  return parsed.data;
}

function readCapped(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      // Stop reading without destroying the socket: the 413 goes out with `Connection: close`.
      req.off('data', onData);
      req.pause();
      reject(tooLarge(limit));
    };
    req.on('data', onData);
    const unreadable = (cause?: unknown) => reject(new AuthHttpError(400, 'bad_json', 'Could not read request body', { cause }));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', unreadable);
    // An aborted upload may end in 'close' alone; settle so nothing waits on it forever.
    req.once('close', () => {
      if (!req.complete) unreadable();
    });
  });
}

function tooLarge(limit: number): AuthHttpError {
  return new AuthHttpError(413, 'request_entity_too_large', `Request body too large (max ${limit} bytes)`);
}
