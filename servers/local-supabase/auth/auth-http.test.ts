import { tolerateShutdown } from '../../../test-support/throwaway-postgres.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAuthServer } from '../../../test-support/local-supabase/start-auth-server.js';
import { officialClient, VIEWER, resign, startAuthStack, type AuthStack } from '../../../test-support/local-supabase/auth-stack.js';

let stack: AuthStack;
let server: RunningAuthServer;
let db: pg.Pool;

beforeAll(async () => {
  stack = await startAuthStack();
  server = await stack.startServer();
  db = tolerateShutdown(new pg.Pool({ connectionString: stack.postgres.databaseUrl, max: 2 }));
});
afterAll(async () => {
  await db?.end();
  await stack?.stop();
});

const MODERN = { 'x-supabase-api-version': '2024-01-01' };

function call(path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
  return fetch(`${server.url}/auth/v1${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    body: init.body,
    headers: { apikey: stack.anonKey, 'content-type': 'application/json', ...init.headers },
  });
}

async function signIn(credentials: { email: string; password: string } = VIEWER): Promise<{ access_token: string; refresh_token: string }> {
  const response = await call('/token?grant_type=password', { body: JSON.stringify(credentials) });
  expect(response.status).toBe(200);
  return response.json();
}

describe('gateway', () => {
  it('requires a project API key like the Supabase gateway', async () => {
    const missing = await fetch(`${server.url}/auth/v1/settings`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ message: 'No API key found in request' });
    const wrong = await call('/settings', { headers: { apikey: `${stack.anonKey}x` } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ message: 'Invalid authentication credentials' });
    expect((await call('/settings', { headers: { apikey: stack.serviceRoleKey } })).status).toBe(200);
    expect((await fetch(`${server.url}/auth/v1/health?apikey=${stack.anonKey}`)).status).toBe(200);
  });

  it('answers CORS preflights from the app origin without a key and exposes the version header', async () => {
    const preflight = await fetch(`${server.url}/auth/v1/token?grant_type=password`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'apikey, content-type, x-supabase-api-version, x-client-info' },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('x-supabase-api-version');
    const response = await call('/settings', { headers: { origin: 'http://127.0.0.1:3000' } });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-expose-headers')).toContain('X-Supabase-Api-Version');
  });

  it('serves GoTrue-shaped settings and health', async () => {
    expect(await (await call('/health')).json()).toMatchObject({ name: 'GoTrue' });
    expect(await (await call('/settings')).json()).toMatchObject({ external: { email: true, github: false }, disable_signup: true });
  });

  it('answers unknown routes with a GoTrue error, and leaves paths outside /auth/v1 alone', async () => {
    const unknown = await call('/magiclink', { body: '{}', headers: MODERN });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ code: 'not_found', message: 'Not Found' });
    const wrongMethod = await call('/token?grant_type=password', { method: 'GET', headers: MODERN });
    expect(wrongMethod.status).toBe(405);
    const outside = await fetch(`${server.url}/rest/v1/things`, { headers: { apikey: stack.anonKey } });
    expect(await outside.json()).toEqual({ message: 'no Route matched with those values' });
  });
});

describe('error format', () => {
  it('uses { code, message } and echoes the version when the client asks for 2024-01-01', async () => {
    const response = await call('/token?grant_type=password', { body: '{"email":', headers: MODERN });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-supabase-api-version')).toBe('2024-01-01');
    expect(response.headers.get('x-sb-error-code')).toBe('bad_json');
    expect(await response.json()).toMatchObject({ code: 'bad_json', message: expect.stringContaining('Could not parse request body as JSON') });
  });

  it('uses the legacy { code: status, error_code, msg } without a version header', async () => {
    const response = await call('/token?grant_type=password', { body: JSON.stringify({ email: VIEWER.email, password: 'nope-nope' }) });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-supabase-api-version')).toBeNull();
    expect(await response.json()).toEqual({ code: 400, error_code: 'invalid_credentials', msg: 'Invalid login credentials' });
  });
});

describe('malformed token requests', () => {
  it.each([
    ['not JSON', 'email=a&password=b', 400, 'bad_json'],
    ['a JSON array', '[]', 400, 'bad_json'],
    ['a number for email', '{"email":5,"password":"x"}', 400, 'bad_json'],
    ['no email or phone', '{"password":"x"}', 400, 'validation_failed'],
    ['both email and phone', '{"email":"a@b.c","phone":"+15550100","password":"x"}', 400, 'validation_failed'],
    ['a phone login', '{"phone":"+15550100","password":"x"}', 422, 'phone_provider_disabled'],
  ])('refuses a password grant with %s', async (_label, body, status, code) => {
    const response = await call('/token?grant_type=password', { body, headers: MODERN });
    expect(response.status).toBe(status);
    expect((await response.json()).code).toBe(code);
  });

  it('refuses an unsupported grant type and a malformed refresh token', async () => {
    const grant = await call('/token?grant_type=client_credentials', { body: '{}', headers: MODERN });
    expect(grant.status).toBe(400);
    expect(await grant.json()).toEqual({ code: 'invalid_credentials', message: 'unsupported_grant_type' });
    const refresh = await call('/token?grant_type=refresh_token', { body: '{"refresh_token":"short"}', headers: MODERN });
    expect(refresh.status).toBe(400);
    expect(await refresh.json()).toEqual({ code: 'validation_failed', message: 'Refresh token is not valid' });
  });

  it('refuses a body over 64 KB with 413 before parsing it', async () => {
    const response = await call('/token?grant_type=password', { body: JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(70_000) }), headers: MODERN });
    expect(response.status).toBe(413);
    expect((await response.json()).code).toBe('request_entity_too_large');
  });
});

describe('bearer checks', () => {
  it('asks for a bearer token with 401 no_authorization', async () => {
    const response = await call('/user', { headers: MODERN });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ code: 'no_authorization', message: 'This endpoint requires a valid Bearer token' });
  });

  it('refuses garbage and unsigned (alg none) tokens with 403 bad_jwt', async () => {
    const { access_token } = await signIn();
    const [, payload] = access_token.split('.');
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
    for (const token of ['not-a-jwt', unsigned]) {
      const response = await call('/user', { headers: { ...MODERN, authorization: `Bearer ${token}` } });
      expect(response.status).toBe(403);
      expect((await response.json()).code).toBe('bad_jwt');
    }
  });

  it('refuses a token for another audience on get-user', async () => {
    const { access_token } = await signIn();
    const foreign = await resign(access_token, stack.jwtSecret, { aud: 'somebody-else' });
    const response = await call('/user', { headers: { ...MODERN, authorization: `Bearer ${foreign}` } });
    expect(response.status).toBe(400);
    expect((await response.json()).code).toBe('validation_failed');
  });

  it('refuses an unsupported logout scope, and logs out with 204', async () => {
    const { access_token } = await signIn();
    const authorization = `Bearer ${access_token}`;
    const bad = await call('/logout?scope=everyone', { method: 'POST', headers: { ...MODERN, authorization } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).code).toBe('validation_failed');
    const ok = await call('/logout?scope=local', { method: 'POST', headers: { authorization } });
    expect(ok.status).toBe(204);
    expect(await ok.text()).toBe('');
    const again = await call('/logout', { method: 'POST', headers: { ...MODERN, authorization } });
    expect(again.status).toBe(403);
    expect((await again.json()).code).toBe('session_not_found');
  });
});

describe('account states', () => {
  const password = 'state-test-password';
  async function addUser(email: string, extra: string): Promise<void> {
    await db.query(
      `insert into auth.users (email, encrypted_password, email_confirmed_at, banned_until)
       select $1, extensions.crypt($2, extensions.gen_salt('bf', 4)), ${extra}`,
      [email, password],
    );
  }

  it('refuses unconfirmed and banned accounts only after the password matched', async () => {
    await addUser('unconfirmed@switchyard.local', 'null, null');
    await addUser('banned@switchyard.local', "now(), now() + interval '1 day'");
    const login = (email: string, pw: string) => call('/token?grant_type=password', { body: JSON.stringify({ email, password: pw }), headers: MODERN });
    expect((await (await login('unconfirmed@switchyard.local', password)).json()).code).toBe('email_not_confirmed');
    expect((await (await login('banned@switchyard.local', password)).json()).code).toBe('user_banned');
    expect((await (await login('banned@switchyard.local', 'wrong-password')).json()).code).toBe('invalid_credentials');
  });

  it('refuses the token of a deleted user with 403 user_not_found', async () => {
    await addUser('deleted@switchyard.local', 'now(), null');
    const { access_token } = await signIn({ email: 'deleted@switchyard.local', password });
    await db.query(`delete from auth.users where email = 'deleted@switchyard.local'`);
    const response = await call('/user', { headers: { ...MODERN, authorization: `Bearer ${access_token}` } });
    expect(response.status).toBe(403);
    expect((await response.json()).code).toBe('user_not_found');
  });
});

describe('password attempt rate limit (GoTrue sign_in_sign_ups)', () => {
  it('answers 429 over_request_rate_limit once an address spent its attempts, right or wrong, and only for that address', async () => {
    const limited = await stack.startServer({ signInAttemptsPerFiveMinutes: 3 });
    const attempt = (password: string, headers: Record<string, string> = {}) =>
      fetch(`${limited.url}/auth/v1/token?grant_type=password`, {
        method: 'POST',
        body: JSON.stringify({ email: VIEWER.email, password }),
        headers: { apikey: stack.anonKey, 'content-type': 'application/json', ...MODERN, ...headers },
      });
    expect((await attempt('wrong-1')).status).toBe(400);
    expect((await attempt('wrong-2')).status).toBe(400);
    expect((await attempt(VIEWER.password)).status).toBe(200);
    const refused = await attempt(VIEWER.password);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-sb-error-code')).toBe('over_request_rate_limit');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toEqual({ code: 'over_request_rate_limit', message: 'Request rate limit reached' });
    // A proxy on this machine (the app's server) forwards each browser's own address.
    expect((await attempt(VIEWER.password, { 'x-forwarded-for': '203.0.113.7' })).status).toBe(200);
    // The official client reports it with GoTrue's code and status.
    const { error } = await officialClient(limited.url, stack.anonKey).auth.signInWithPassword(VIEWER);
    expect({ code: error?.code, status: error?.status }).toEqual({ code: 'over_request_rate_limit', status: 429 });
  });
});
