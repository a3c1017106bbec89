import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeJson } from './auth-error.js';

const DEFAULT_ALLOWED_HEADERS = 'authorization, apikey, content-type, x-client-info, x-supabase-api-version, x-jwt-aud';
const HEADER_LIST = /^[A-Za-z0-9_, -]{1,1024}$/;

/**
 * CORS as the Supabase gateway (Kong's `cors` plugin) answers it: any origin, no credentials
 * (auth-js sends bearer tokens, never cookies). The API version and error code headers are
 * exposed so browser clients can read the new error format.
 */
export function applyCors(res: ServerResponse): void {
  res.setHeader('access-control-allow-origin', '*');
  res.setHeader('access-control-expose-headers', 'X-Supabase-Api-Version, X-Sb-Error-Code');
}

/** Answers a CORS preflight (no apikey needed, like the gateway). */
export function answerPreflight(req: IncomingMessage, res: ServerResponse): void {
  const requested = req.headers['access-control-request-headers'];
  res.writeHead(200, {
    'access-control-allow-methods': 'GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS',
    'access-control-allow-headers': requested && HEADER_LIST.test(requested) ? requested : DEFAULT_ALLOWED_HEADERS,
    'access-control-max-age': '3600',
    'content-length': '0',
  });
  res.end();
}

/**
 * The gateway's key-auth: the `apikey` header (or `?apikey=`) must be one of the project's
 * keys. Writes Kong's 401 and returns false otherwise.
 */
export function checkApiKey(req: IncomingMessage, res: ServerResponse, url: URL, keys: readonly string[]): boolean {
  const header = req.headers.apikey;
  const supplied = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('apikey') ?? '';
  if (!supplied) {
    writeJson(res, 401, { message: 'No API key found in request' });
    return false;
  }
  const candidate = Buffer.from(supplied, 'utf8');
  const known = keys.some((key) => {
    const expected = Buffer.from(key, 'utf8');
    return expected.length === candidate.length && timingSafeEqual(expected, candidate);
  });
  if (!known) writeJson(res, 401, { message: 'Invalid authentication credentials' });
  return known;
}
