import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { createRateLimiter } from '../../../lib/api/rate-limiter.js';
import { AuthHttpError } from './auth-error.js';

/** Password sign-ins per client address, as GoTrue limits them (`rate_limit.sign_in_sign_ups`). */
export interface SignInLimit {
  /** Spends one attempt for the request's client, or throws GoTrue's 429 `over_request_rate_limit`. */
  take(req: IncomingMessage): void;
}

const WINDOW_S = 5 * 60;

/**
 * A token bucket per client address: `perFiveMinutes` attempts at once, refilled at that rate
 * over five minutes (GoTrue's tollbooth limiter, burst = the limit). The client is the
 * socket's peer; a peer on this machine (the app's server, which signs users in for their
 * browsers) may name the browser with the first `X-Forwarded-For` address, as GoTrue trusts
 * the header from the gateway in front of it.
 */
export function createSignInLimit(perFiveMinutes: number): SignInLimit {
  const limiter = createRateLimiter({ capacity: perFiveMinutes, perSecond: perFiveMinutes / WINDOW_S });
  return {
    take(req) {
      const decision = limiter.take(clientAddress(req));
      if (!decision.ok) throw new AuthHttpError(429, 'over_request_rate_limit', 'Request rate limit reached', { headers: { 'retry-after': String(decision.retryAfterSeconds) } });
    },
  };
}

function clientAddress(req: IncomingMessage): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (!isLoopback(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim();
  return forwarded && isIP(forwarded) ? forwarded : peer;
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
