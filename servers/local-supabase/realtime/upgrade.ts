import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { jwtUpgradeError } from './jwt.js';
import type { RealtimeContext } from './realtime-context.js';
import type { Vsn } from './serializer.js';
import { SocketSession } from './socket-session.js';
import { overUserLimit } from './users-counter.js';

/** WebSocket paths: the supabase-js one and the bare Realtime server one. */
export const WEBSOCKET_PATHS: ReadonlySet<string> = new Set(['/realtime/v1/websocket', '/socket/websocket']);

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 429: 'Too Many Requests' };

/**
 * Authorizes an upgrade like user_socket.ex `connect/3` (apikey JWT, connection cap) and
 * hands accepted sockets to a new session. Returns false when the path is not ours.
 */
export function handleRealtimeUpgrade(ctx: RealtimeContext, wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
  const url = URL.canParse(req.url ?? '/', 'http://localhost') ? new URL(req.url ?? '/', 'http://localhost') : undefined;
  if (!url || !WEBSOCKET_PATHS.has(url.pathname)) return false;
  socket.on('error', (error) => ctx.log(`upgrade socket error: ${error.message}`));
  const refuse = (status: number, error: string) => {
    ctx.log(`upgrade refused (${status}): ${error}`);
    const delay = ctx.limits.connectErrorBackoffMs;
    if (delay > 0) setTimeout(() => writeHttpError(socket, status, error), delay).unref();
    else writeHttpError(socket, status, error);
  };
  const vsnParam = url.searchParams.get('vsn') ?? '2.0.0';
  if (vsnParam !== '1.0.0' && vsnParam !== '2.0.0') {
    refuse(400, `Unsupported serializer version ${vsnParam}`);
    return true;
  }
  const header = req.headers['x-api-key'];
  const apikey = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('apikey');
  if (!apikey) {
    refuse(401, 'API key is missing');
    return true;
  }
  const verified = ctx.verify(apikey);
  if (!verified.ok) {
    refuse(401, jwtUpgradeError(verified.failure));
    return true;
  }
  // user_socket.ex `TenantRateLimiters.check_tenant`: connected users, then joins per second
  // (or a refusal the fault control asked for).
  if (ctx.faults.upgradeRefusals > 0 || overUserLimit(ctx)) {
    ctx.faults.upgradeRefusals = Math.max(0, ctx.faults.upgradeRefusals - 1);
    refuse(429, 'Too many connected users');
    return true;
  }
  if (ctx.joinRate.wouldExceed()) {
    refuse(429, 'Too many joins per second');
    return true;
  }
  const vsn: Vsn = vsnParam;
  wss.handleUpgrade(req, socket, head, (ws) => {
    const session = new SocketSession(ctx, ws, socket, ctx.nextId(), vsn, apikey);
    ctx.sessions.add(session);
    ctx.totals.connections += 1;
  });
  return true;
}

function writeHttpError(socket: Duplex, status: number, error: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
