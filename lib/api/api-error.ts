/** Error codes the API returns, with their HTTP status. */
export const API_ERROR_STATUS = {
  invalid_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  conflict: 409,
  gate_failed: 409,
  implausible_evidence: 422,
  rate_limited: 429,
  upstream_unavailable: 503,
  internal_error: 500,
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

/** An error that is safe to show to the caller: its code and message go out as they are. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(code: ApiErrorCode, message: string, options: { cause?: unknown; headers?: Record<string, string> } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ApiError';
    this.code = code;
    this.status = API_ERROR_STATUS[code];
    this.headers = options.headers ?? {};
  }
}

/** The database is down or restarting: temporary, worth a retry after a second. */
export function databaseUnavailable(cause: unknown): ApiError {
  return new ApiError('upstream_unavailable', 'The database is unavailable right now; retry shortly.', { cause, headers: { 'retry-after': '1' } });
}
