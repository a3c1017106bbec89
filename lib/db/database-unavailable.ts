const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);

/**
 * True when `error` (or one of its causes) means the database cannot be reached right now —
 * down, restarting, the connection lost — rather than that the statement was wrong: SQLSTATE
 * class 08 (connection exception) and 57P01–57P03 (shutdown, crash, cannot connect now),
 * socket errors, and pg's own "Connection terminated" / "not queryable" / connect timeout.
 * Worth a retry (503), never a 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('08') || code.startsWith('57P') || UNREACHABLE.has(code))) return true;
    if (/Connection terminated|not queryable|timeout exceeded when trying to connect/i.test(current.message)) return true;
  }
  return false;
}
