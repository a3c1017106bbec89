import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAuthServer } from '../../../test-support/local-supabase/start-auth-server.js';
import { ADMIN, VIEWER, officialClient, resign, startAuthStack, type AuthStack } from '../../../test-support/local-supabase/auth-stack.js';

let stack: AuthStack;
let server: RunningAuthServer;

beforeAll(async () => {
  stack = await startAuthStack();
  server = await stack.startServer();
});
afterAll(async () => {
  await stack?.stop();
});

const client = () => officialClient(server.url, stack.anonKey);

async function signIn(credentials: { email: string; password: string } = VIEWER) {
  const { data, error } = await client().auth.signInWithPassword(credentials);
  expect(error).toBeNull();
  if (!data.session) throw new Error('test: no session');
  return data.session;
}

describe('password sign-in through auth-js', () => {
  it('returns a Supabase-shaped session whose access token carries the app role', async () => {
    const session = await signIn(ADMIN);
    expect(session).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expect(session.refresh_token).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(session.user).toMatchObject({ email: ADMIN.email, aud: 'authenticated', role: 'authenticated', app_metadata: { role: 'admin' } });
    expect(session.user.last_sign_in_at).toBeTruthy();
    const claims = decodeJwt(session.access_token);
    expect(claims).toMatchObject({
      iss: `${server.url}/auth/v1`,
      sub: session.user.id,
      aud: 'authenticated',
      role: 'authenticated',
      email: ADMIN.email,
      phone: '',
      aal: 'aal1',
      is_anonymous: false,
      app_metadata: { role: 'admin' },
      user_metadata: { display_name: 'Ada Admin' },
    });
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(session.expires_at).toBe(claims.exp);
    expect(claims.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims.amr).toEqual([{ method: 'password', timestamp: expect.any(Number) }]);
  });

  it('refuses a wrong password with 400 invalid_credentials', async () => {
    const { data, error } = await client().auth.signInWithPassword({ email: VIEWER.email, password: 'not-the-password' });
    expect(data.session).toBeNull();
    expect(error).toMatchObject({ name: 'AuthApiError', status: 400, code: 'invalid_credentials', message: 'Invalid login credentials' });
  });

  it('answers an unknown user exactly like a wrong password', async () => {
    const { error } = await client().auth.signInWithPassword({ email: 'nobody@switchyard.local', password: 'whatever-123' });
    expect(error).toMatchObject({ name: 'AuthApiError', status: 400, code: 'invalid_credentials', message: 'Invalid login credentials' });
  });

  it('matches the email case-insensitively', async () => {
    const session = await signIn({ email: 'Viewer@Switchyard.LOCAL', password: VIEWER.password });
    expect(session.user.email).toBe(VIEWER.email);
  });
});

describe('get-user', () => {
  it('returns the user behind a valid access token, and getClaims trusts it', async () => {
    const session = await signIn();
    const auth = client().auth;
    const { data, error } = await auth.getUser(session.access_token);
    expect(error).toBeNull();
    expect(data.user).toMatchObject({ id: session.user.id, email: VIEWER.email, app_metadata: { role: 'viewer' } });
    const claims = await auth.getClaims(session.access_token);
    expect(claims.error).toBeNull();
    expect(claims.data?.claims.sub).toBe(session.user.id);
  });

  it('refuses an expired access token with 403 bad_jwt', async () => {
    const session = await signIn();
    const now = Math.floor(Date.now() / 1000);
    const expired = await resign(session.access_token, stack.jwtSecret, { iat: now - 7200, exp: now - 60 });
    const { error } = await client().auth.getUser(expired);
    expect(error).toMatchObject({ name: 'AuthApiError', status: 403, code: 'bad_jwt' });
    expect(error?.message).toBe('invalid JWT: unable to parse or verify signature, token has invalid claims: token is expired');
  });

  it('refuses a tampered access token with 403 bad_jwt', async () => {
    const session = await signIn();
    const [header, payload, signature] = session.access_token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    claims.app_metadata.role = 'admin';
    const tampered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    const { error } = await client().auth.getUser(tampered);
    expect(error).toMatchObject({ name: 'AuthApiError', status: 403, code: 'bad_jwt' });
    expect(error?.message).toContain('signature is invalid');
  });

  it('refuses a token signed with another secret with 403 bad_jwt', async () => {
    const session = await signIn();
    const forged = await resign(session.access_token, 'another-secret-that-is-also-32-chars-long', {});
    const { error } = await client().auth.getUser(forged);
    expect(error).toMatchObject({ name: 'AuthApiError', status: 403, code: 'bad_jwt' });
  });

  it('refuses the anon key used as a user token (no sub claim)', async () => {
    const { error } = await client().auth.getUser(stack.anonKey);
    expect(error).toMatchObject({ name: 'AuthApiError', status: 403, code: 'bad_jwt', message: 'invalid claim: missing sub claim' });
  });
});

describe('refresh', () => {
  it('rotates the refresh token and issues a fresh access token for the same session', async () => {
    const session = await signIn();
    const { data, error } = await client().auth.refreshSession({ refresh_token: session.refresh_token });
    expect(error).toBeNull();
    expect(data.session?.refresh_token).toBeDefined();
    expect(data.session?.refresh_token).not.toBe(session.refresh_token);
    expect(data.user?.id).toBe(session.user.id);
    expect(decodeJwt(data.session!.access_token).session_id).toBe(decodeJwt(session.access_token).session_id);
    const next = await client().auth.refreshSession({ refresh_token: data.session!.refresh_token });
    expect(next.error).toBeNull();
  });

  it('hands the current child back when the just-rotated token is presented again', async () => {
    const session = await signIn();
    const first = await client().auth.refreshSession({ refresh_token: session.refresh_token });
    const again = await client().auth.refreshSession({ refresh_token: session.refresh_token });
    expect(again.error).toBeNull();
    expect(again.data.session?.refresh_token).toBe(first.data.session?.refresh_token);
  });

  it('swaps an older revoked token again while it is inside the reuse interval, as GoTrue does', async () => {
    const session = await signIn();
    const second = (await client().auth.refreshSession({ refresh_token: session.refresh_token })).data.session!.refresh_token;
    const third = (await client().auth.refreshSession({ refresh_token: second })).data.session!.refresh_token;
    const late = await client().auth.refreshSession({ refresh_token: session.refresh_token });
    expect(late.error).toBeNull();
    expect([session.refresh_token, second, third]).not.toContain(late.data.session?.refresh_token);
    expect((await client().auth.refreshSession({ refresh_token: late.data.session!.refresh_token })).error).toBeNull();
  });

  it('gives concurrent refreshes of one token the same child', async () => {
    const session = await signIn();
    const results = await Promise.all(Array.from({ length: 5 }, () => client().auth.refreshSession({ refresh_token: session.refresh_token })));
    expect(results.map((result) => result.error)).toEqual([null, null, null, null, null]);
    expect(new Set(results.map((result) => result.data.session?.refresh_token)).size).toBe(1);
  });

  it('treats reuse of an older token outside the reuse interval as theft: 400 refresh_token_already_used, session tokens revoked', async () => {
    const strict = await stack.startServer({ refreshTokenReuseIntervalSeconds: 0 });
    const auth = officialClient(strict.url, stack.anonKey).auth;
    const { data } = await auth.signInWithPassword(VIEWER);
    const first = data.session!.refresh_token;
    const second = (await auth.refreshSession({ refresh_token: first })).data.session!.refresh_token;
    const third = (await auth.refreshSession({ refresh_token: second })).data.session!.refresh_token;

    const reuse = await auth.refreshSession({ refresh_token: first });
    expect(reuse.error).toMatchObject({ name: 'AuthApiError', status: 400, code: 'refresh_token_already_used', message: 'Invalid Refresh Token: Already Used' });
    const current = await auth.refreshSession({ refresh_token: third });
    expect(current.error).toMatchObject({ status: 400, code: 'refresh_token_already_used' });
  });

  it('refuses an unknown refresh token with 400 refresh_token_not_found', async () => {
    const { error } = await client().auth.refreshSession({ refresh_token: 'AAAAAAAAAAAAAAAAAAAAAA' });
    expect(error).toMatchObject({ name: 'AuthApiError', status: 400, code: 'refresh_token_not_found' });
  });
});

describe('sign-out', () => {
  it('global sign-out ends the session: get-user reports it missing and refresh fails', async () => {
    const auth = client().auth;
    const { data } = await auth.signInWithPassword(VIEWER);
    const session = data.session!;
    expect((await auth.signOut()).error).toBeNull();

    const user = await client().auth.getUser(session.access_token);
    expect(user.error).toMatchObject({ name: 'AuthSessionMissingError' });
    const refresh = await client().auth.refreshSession({ refresh_token: session.refresh_token });
    expect(refresh.error).toMatchObject({ name: 'AuthApiError', status: 400, code: 'refresh_token_not_found' });
  });

  it('local sign-out ends only this session; others sign-out spares this one', async () => {
    const here = client().auth;
    const there = await signIn(ADMIN);
    const third = await signIn(ADMIN);
    await here.signInWithPassword(ADMIN);
    const hereSession = (await here.getSession()).data.session!;

    expect((await here.signOut({ scope: 'others' })).error).toBeNull();
    expect((await client().auth.getUser(hereSession.access_token)).error).toBeNull();
    expect((await client().auth.getUser(there.access_token)).error).toMatchObject({ name: 'AuthSessionMissingError' });

    const fourth = await signIn(ADMIN);
    expect((await here.signOut({ scope: 'local' })).error).toBeNull();
    expect((await client().auth.getUser(hereSession.access_token)).error).toMatchObject({ name: 'AuthSessionMissingError' });
    expect((await client().auth.getUser(fourth.access_token)).error).toBeNull();
    expect((await client().auth.refreshSession({ refresh_token: third.refresh_token })).error).toMatchObject({ code: 'refresh_token_not_found' });
  });
});
