import type { IncomingMessage } from 'node:http';
import type pg from 'pg';

/** What every Auth endpoint handler needs, built once by `createAuth`. */
export interface AuthContext {
  pool: pg.Pool;
  /** HS256 key for access tokens (the project's JWT secret). */
  jwtKey: Uint8Array;
  /** Key that derives rotated refresh tokens from their parents. */
  childKey: Uint8Array;
  jwtExpirySeconds: number;
  refreshTokenReuseIntervalSeconds: number;
  onLog?: (line: string) => void;
}

/** `iss` for tokens minted on this request: the Auth URL the client used, like GoTrue's API_EXTERNAL_URL. */
export function issuerFor(req: IncomingMessage): string {
  const host = req.headers.host;
  const safeHost = host && host.length <= 255 && /^[A-Za-z0-9.:[\]-]+$/.test(host) ? host : '127.0.0.1:54321';
  return `http://${safeHost}/auth/v1`;
}

/** What GoTrue records on a session: the caller's user agent and address. */
export function clientInfo(req: IncomingMessage): { userAgent: string | null; ip: string | null } {
  const userAgent = req.headers['user-agent'];
  return { userAgent: userAgent ? userAgent.slice(0, 512) : null, ip: req.socket.remoteAddress ?? null };
}
