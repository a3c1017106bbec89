import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as v from 'valibot';
import { envelopeSchema, type Envelope } from '../../contracts/envelope.js';
import { MAX_ENVELOPES_PER_PUBLISH } from '../../contracts/legacy-protocol.js';
import { readJsonBody } from './read-json-body.js';

const BODY_LIMIT_BYTES = 8 * 1024 * 1024;

const publishBodySchema = v.object({ envelopes: v.pipe(v.array(envelopeSchema), v.maxLength(MAX_ENVELOPES_PER_PUBLISH)) });

export interface PublishResult {
  accepted: number;
  duplicates: number;
}

/**
 * `POST /internal/publish`: the ingest API hands over the envelopes of a committed batch.
 * Bearer publish key (constant-time compare) → 401; bad body → 400/413; else 202.
 */
export function createPublishHandler(options: { publishKey: string; publish(envelopes: Envelope[]): PublishResult }) {
  const expected = digest(`Bearer ${options.publishKey}`);
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method !== 'POST') {
      response.setHeader('Allow', 'POST');
      return sendJson(response, 405, errorBody('method_not_allowed', 'use POST'));
    }
    // Hash both sides so the comparison is constant-time whatever the header's length.
    if (!timingSafeEqual(digest(request.headers.authorization ?? ''), expected)) {
      response.setHeader('WWW-Authenticate', 'Bearer');
      return sendJson(response, 401, errorBody('unauthorized', 'missing or wrong publish key'));
    }
    const body = await readJsonBody(request, BODY_LIMIT_BYTES);
    if (!body.ok) {
      if (body.code === 'payload_too_large') response.setHeader('Connection', 'close');
      return sendJson(response, body.code === 'payload_too_large' ? 413 : 400, errorBody(body.code, body.message));
    }
    const parsed = v.safeParse(publishBodySchema, body.json);
    if (!parsed.success) {
      const message = parsed.issues
        .slice(0, 5)
        .map((issue) => `${v.getDotPath(issue) ?? 'body'}: ${issue.message}`)
        .join('; ');
      return sendJson(response, 400, errorBody('invalid_body', message));
    }
    sendJson(response, 202, options.publish(parsed.output.envelopes));
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}
