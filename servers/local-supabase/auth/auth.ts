import type { IncomingMessage, ServerResponse } from 'node:http';
import type pg from 'pg';
import type { AuthContext } from './auth-context.js';
import { AuthHttpError, AuthOAuthError, sendAuthError, writeJson } from './auth-error.js';
import { authenticate } from './authenticate.js';
import { answerPreflight, applyCors, checkApiKey } from './gateway.js';
import { passwordGrant } from './password-grant.js';
import { refreshGrant } from './refresh-grant.js';
import { refreshChildKey } from './refresh-token.js';
import { deleteSessions, type LogoutScope } from './session-store.js';
import { createSignInLimit, type SignInLimit } from './sign-in-limit.js';
import { HEALTH, settings } from './settings.js';
import { signUp } from './sign-up.js';
import { adminCreateUser, adminDeleteUser, adminGetUser, adminListUsers } from './admin-users.js';

export interface AuthOptions {
  pool: pg.Pool;
  /** HS256 secret access tokens are signed with (the project's JWT secret). */
  jwtSecret: string;
  anonKey: string;
  serviceRoleKey: string;
  /** Access token lifetime (GoTrue `jwt_expiry`), default 3600. */
  jwtExpirySeconds?: number;
  /** How long a rotated refresh token may still be swapped (`refresh_token_reuse_interval`), default 10. */
  refreshTokenReuseIntervalSeconds?: number;
  /** Password sign-ins and sign-ups per client address per 5 minutes (GoTrue `sign_in_sign_ups`), default 30. */
  signInAttemptsPerFiveMinutes?: number;
  /** `POST /signup` open (GoTrue `disable_signup = false`); default false, as supabase/config.toml `enable_signup = false`. */
  enableSignup?: boolean;
  onLog?: (line: string) => void;
}

/** The local GoTrue: the `/auth/v1/*` endpoints auth-js uses for email + password sessions. */
export interface Auth {
  /** Serves the request and resolves true when the path is under `/auth/v1`; false leaves it to others. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  close(): Promise<void>;
}

type HandlerContext = AuthContext & { signInLimit: SignInLimit; enableSignup: boolean };
type Handler = (ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

const PREFIX = '/auth/v1';
const LOGOUT_SCOPES: Record<string, LogoutScope> = { '': 'global', global: 'global', local: 'local', others: 'others' };

const ROUTES = new Map<string, Partial<Record<string, Handler>>>(Object.entries({
  '/health': { GET: async (_ctx, _req, res) => writeJson(res, 200, HEALTH) },
  '/settings': { GET: async (ctx, _req, res) => writeJson(res, 200, settings(ctx.enableSignup)) },
  // Only the symmetric JWT secret signs tokens, and GoTrue never publishes that.
  '/.well-known/jwks.json': { GET: async (_ctx, _req, res) => writeJson(res, 200, { keys: [] }) },
  '/token': {
    POST: async (ctx, req, res, url) => {
      const grantType = url.searchParams.get('grant_type');
      const grant = grantType === 'password' ? passwordGrant : grantType === 'refresh_token' ? refreshGrant : null;
      if (!grant) throw new AuthHttpError(400, 'invalid_credentials', 'unsupported_grant_type');
      // Counted before the password is looked at, like GoTrue: every attempt spends one.
      if (grant === passwordGrant) ctx.signInLimit.take(req);
      writeJson(res, 200, await grant(ctx, req), { 'cache-control': 'no-store' });
    },
  },
  '/signup': {
    POST: async (ctx, req, res) => {
      // GoTrue's `sign_in_sign_ups` limiter counts sign-ups with sign-ins.
      if (ctx.enableSignup) ctx.signInLimit.take(req);
      writeJson(res, 200, await signUp(ctx, req), { 'cache-control': 'no-store' });
    },
  },
  '/admin/users': { GET: adminListUsers, POST: adminCreateUser },
  '/user': {
    GET: async (ctx, req, res) => {
      const caller = await authenticate(ctx, req);
      if (caller.audience !== caller.user.json.aud) {
        throw new AuthHttpError(400, 'validation_failed', "Token audience doesn't match request audience");
      }
      writeJson(res, 200, caller.user.json);
    },
  },
  '/logout': {
    POST: async (ctx, req, res, url) => {
      const caller = await authenticate(ctx, req);
      const requested = url.searchParams.get('scope') ?? '';
      const scope = LOGOUT_SCOPES[requested];
      if (!scope) throw new AuthHttpError(400, 'validation_failed', `Unsupported logout scope ${JSON.stringify(requested)}`);
      await deleteSessions(ctx.pool, scope, caller.userId, caller.sessionId);
      res.writeHead(204).end();
    },
  },
}));

/** `/admin/users/{user_id}`: one user. */
const ADMIN_USER_ROUTE: Partial<Record<string, Handler>> = { GET: adminGetUser, DELETE: adminDeleteUser };
const ADMIN_USER_PATH = /^\/admin\/users\/[^/]+$/;

function routeFor(path: string): Partial<Record<string, Handler>> | undefined {
  return ROUTES.get(path) ?? (ADMIN_USER_PATH.test(path) ? ADMIN_USER_ROUTE : undefined);
}

/** Builds the Auth module; the caller owns `pool` (close() does not end it). */
export function createAuth(options: AuthOptions): Auth {
  const ctx: HandlerContext = {
    signInLimit: createSignInLimit(options.signInAttemptsPerFiveMinutes ?? 30),
    enableSignup: options.enableSignup ?? false,
    pool: options.pool,
    jwtKey: new TextEncoder().encode(options.jwtSecret),
    childKey: refreshChildKey(options.jwtSecret),
    jwtExpirySeconds: options.jwtExpirySeconds ?? 3600,
    refreshTokenReuseIntervalSeconds: options.refreshTokenReuseIntervalSeconds ?? 10,
    onLog: options.onLog,
  };
  const apiKeys = [options.anonKey, options.serviceRoleKey];
  const inFlight = new Set<Promise<void>>();

  async function serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    applyCors(res);
    if (req.method === 'OPTIONS') return answerPreflight(req, res);
    if (!checkApiKey(req, res, url, apiKeys)) return;
    const route = routeFor(url.pathname.slice(PREFIX.length));
    const handler = route && Object.hasOwn(route, req.method ?? '') ? route[req.method ?? ''] : undefined;
    try {
      if (!route) throw new AuthHttpError(404, 'not_found', 'Not Found');
      if (!handler) throw new AuthHttpError(405, 'method_not_allowed', 'Method Not Allowed');
      await handler(ctx, req, res, url);
    } catch (error) {
      if (res.headersSent) throw error;
      if (error instanceof AuthHttpError || error instanceof AuthOAuthError) {
        if (error instanceof AuthHttpError && error.status === 413) res.setHeader('connection', 'close');
        sendAuthError(req, res, error);
        return;
      }
      options.onLog?.(`[auth] ${req.method} ${url.pathname} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      sendAuthError(req, res, new AuthHttpError(500, 'unexpected_failure', 'Unexpected failure, please check server logs for more information'));
    }
  }

  return {
    async handle(req, res) {
      const url = URL.canParse(req.url ?? '/', 'http://localhost') ? new URL(req.url ?? '/', 'http://localhost') : null;
      if (!url) return false;
      if (url.pathname !== PREFIX && !url.pathname.startsWith(`${PREFIX}/`)) return false;
      const done = serve(req, res, url);
      inFlight.add(done);
      try {
        await done;
      } finally {
        inFlight.delete(done);
      }
      return true;
    },
    async close() {
      await Promise.allSettled([...inFlight]);
    },
  };
}
