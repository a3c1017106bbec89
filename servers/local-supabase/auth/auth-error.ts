import type { IncomingMessage, ServerResponse } from 'node:http';

/** A GoTrue `HTTPError`: an HTTP status, a machine-readable `error_code` and a message. */
export class AuthHttpError extends Error {
  /** Sent with the error (e.g. `retry-after` on 429). */
  readonly headers: Record<string, string>;
  /** Extra fields of the body (e.g. `weak_password: { reasons }`). */
  readonly extra: Record<string, unknown>;

  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string>; extra?: Record<string, unknown> },
  ) {
    super(message, options);
    this.name = 'AuthHttpError';
    this.headers = options?.headers ?? {};
    this.extra = options?.extra ?? {};
  }
}

/** A GoTrue `OAuthError` (`{ error, error_description }`, always 400), used by a few token paths. */
export class AuthOAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
    this.name = 'AuthOAuthError';
  }
}

const API_VERSION_HEADER = 'x-supabase-api-version';
const API_VERSION_2024 = '2024-01-01';

/**
 * Writes an error the way GoTrue's `HandleResponseError` does: clients that send
 * `X-Supabase-Api-Version >= 2024-01-01` (auth-js always does) get `{ code, message }` with
 * the version echoed back; older clients get `{ code: status, error_code, msg }`.
 */
export function sendAuthError(req: IncomingMessage, res: ServerResponse, error: AuthHttpError | AuthOAuthError): void {
  const modern = requestsModernErrors(req.headers[API_VERSION_HEADER]);
  if (modern) res.setHeader('X-Supabase-Api-Version', API_VERSION_2024);
  if (error instanceof AuthOAuthError) {
    writeJson(res, 400, { error: error.error, error_description: error.description });
    return;
  }
  res.setHeader('x-sb-error-code', error.errorCode);
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  const body = modern
    ? { code: error.errorCode, message: error.message, ...error.extra }
    : { code: error.status, error_code: error.errorCode, msg: error.message, ...error.extra };
  writeJson(res, error.status, body);
}

function requestsModernErrors(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const parsed = Date.parse(`${value}T00:00:00Z`);
  return Number.isFinite(parsed) && parsed >= Date.parse(`${API_VERSION_2024}T00:00:00Z`);
}

/** Sends a JSON body with the given status (headers set earlier, e.g. CORS, are kept). */
export function writeJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
