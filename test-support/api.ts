import { appEnv } from '@/test-support/env';
// Test support for the rollout, validation and migration API suites (not a test file itself).
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { NextRequest } from 'next/server';
import { TEST_JWT_SECRET } from '@/test-support/ingest';
import { signApiKey } from '@/servers/local-supabase/secrets';

/** The seeded demo accounts (supabase/seed.sql). */
export const DEMO = {
  admin: { id: '00000000-0000-4000-8000-00000000a001', email: 'admin@switchyard.local' },
  viewer: { id: '00000000-0000-4000-8000-00000000a002', email: 'viewer@switchyard.local' },
  ops: { id: '00000000-0000-4000-8000-00000000a003', email: 'ops@switchyard.local' },
} as const;

/** A user access token shaped like the ones the local Auth server issues. */
export function userToken(options: { role?: 'admin' | 'viewer'; sub?: string; email?: string; segment?: string; expiresIn?: number; secret?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const appMetadata: Record<string, string> = { provider: 'email', role: options.role ?? 'viewer' };
  if (options.segment) appMetadata.segment = options.segment;
  return new SignJWT({ role: 'authenticated', aud: 'authenticated', email: options.email ?? `${options.role ?? 'viewer'}@switchyard.local`, app_metadata: appMetadata, session_id: randomUUID() })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.sub ?? randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 3600))
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

let serviceKey: Promise<string> | undefined;
/**
 * The service-role key for the test JWT secret: one key per test process, as a project has
 * one (signed afresh, a key's `iat` would differ across a second boundary and tests that
 * compare keys would flake).
 */
export const serviceRoleKey = (): Promise<string> => (serviceKey ??= signApiKey(TEST_JWT_SECRET, 'service_role'));

/** A real `NextRequest` to a route handler, with an optional bearer and JSON body. */
export function apiRequest(path: string, options: { method?: string; token?: string | null; body?: unknown; contentType?: string; headers?: Record<string, string> } = {}): NextRequest {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  return new NextRequest(new URL(path, 'http://127.0.0.1:3000'), { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
}

export type ErrorBody = { error: { code: string; message: string } };

/** The `{ error: { code, message } }` envelope of a refused request, with its status. */
export async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as ErrorBody;
  return { status: response.status, code: body.error?.code, message: body.error?.message };
}

/**
 * The `Cookie` header a browser sends after signing in through `@supabase/ssr`: the
 * session JSON, base64url with the `base64-` prefix, under `sb-<host>-auth-token`.
 */
export function sessionCookie(accessToken: string, supabaseUrl = appEnv('SUPABASE_URL') ?? 'http://127.0.0.1:9'): string {
  const [, payload] = accessToken.split('.');
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as { sub: string; exp: number; email?: string };
  const session = { access_token: accessToken, refresh_token: 'test-refresh-token', token_type: 'bearer', expires_in: claims.exp - Math.floor(Date.now() / 1000), expires_at: claims.exp, user: { id: claims.sub, email: claims.email, aud: 'authenticated', role: 'authenticated' } };
  const name = `sb-${new URL(supabaseUrl).hostname.split('.')[0]}-auth-token`;
  return `${name}=base64-${Buffer.from(JSON.stringify(session), 'utf8').toString('base64url')}`;
}
