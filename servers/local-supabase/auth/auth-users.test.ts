/**
 * Sign-up and the admin user API through the official auth-js (supabase-js), against the
 * local Auth on a seeded Postgres: GoTrue's shapes, statuses, codes and texts
 * (supabase/auth internal/api/signup.go, admin.go, mail.go validateEmail, password.go).
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAuthServer } from '../../../test-support/local-supabase/start-auth-server.js';
import { ADMIN, VIEWER, officialClient, startAuthStack, type AuthStack } from '../../../test-support/local-supabase/auth-stack.js';

let stack: AuthStack;
let open: RunningAuthServer;
let closed: RunningAuthServer;

beforeAll(async () => {
  stack = await startAuthStack();
  open = await stack.startServer({ enableSignup: true });
  closed = await stack.startServer();
});
afterAll(async () => {
  await stack?.stop();
});

const anon = (server = open) => officialClient(server.url, stack.anonKey);
const admin = () => officialClient(open.url, stack.serviceRoleKey).auth.admin;
let counter = 0;
const freshEmail = () => `user-${Date.now()}-${(counter += 1)}@example.test`;

describe('signUp', () => {
  it('creates a confirmed user and returns a session (mailer autoconfirm), which can then sign in', async () => {
    const email = freshEmail();
    const { data, error } = await anon().auth.signUp({ email, password: 'secret-123', options: { data: { display_name: 'New One' } } });
    expect(error).toBeNull();
    expect(data.user).toMatchObject({ email, aud: 'authenticated', role: 'authenticated', app_metadata: { provider: 'email', providers: ['email'] }, user_metadata: { display_name: 'New One' } });
    expect(data.user?.email_confirmed_at).toBeTruthy();
    expect(data.user?.identities).toEqual([expect.objectContaining({ provider: 'email', user_id: data.user?.id, identity_data: expect.objectContaining({ sub: data.user?.id, email }) })]);
    expect(data.session).toMatchObject({ token_type: 'bearer', user: { id: data.user?.id } });
    expect(decodeJwt(data.session!.access_token)).toMatchObject({ sub: data.user?.id, role: 'authenticated', email });
    const signIn = await anon().auth.signInWithPassword({ email: email.toUpperCase(), password: 'secret-123' });
    expect(signIn.error).toBeNull();
    expect(signIn.data.user?.id).toBe(data.user?.id);
  });

  it('answers a second sign-up of a confirmed email with 422 user_already_exists', async () => {
    const { error } = await anon().auth.signUp({ email: VIEWER.email, password: 'another-123' });
    expect(error).toMatchObject({ name: 'AuthApiError', status: 422, code: 'user_already_exists', message: 'User already registered' });
  });

  it('refuses a short password with 422 weak_password and its reasons', async () => {
    const { error } = await anon().auth.signUp({ email: freshEmail(), password: '12345' });
    expect(error).toMatchObject({ name: 'AuthWeakPasswordError', status: 422, code: 'weak_password', message: 'Password should be at least 6 characters.', reasons: ['length'] });
  });

  it('refuses a malformed email with 400 validation_failed', async () => {
    const { error } = await anon().auth.signUp({ email: 'not-an-email', password: 'secret-123' });
    expect(error).toMatchObject({ status: 400, code: 'validation_failed', message: 'Unable to validate email address: invalid format' });
  });

  it('answers 422 signup_disabled when sign-up is off (supabase/config.toml enable_signup = false)', async () => {
    const { error } = await anon(closed).auth.signUp({ email: freshEmail(), password: 'secret-123' });
    expect(error).toMatchObject({ status: 422, code: 'signup_disabled', message: 'Signups not allowed for this instance' });
  });
});

describe('auth.admin (service-role key only)', () => {
  it('creates, lists and deletes a user', async () => {
    const email = freshEmail();
    const created = await admin().createUser({ email, password: 'admin-made-1', email_confirm: true, user_metadata: { team: 'ops' }, app_metadata: { role: 'ops' } });
    expect(created.error).toBeNull();
    const user = created.data.user!;
    expect(user).toMatchObject({ email, aud: 'authenticated', role: 'authenticated', user_metadata: { team: 'ops' }, app_metadata: { provider: 'email', providers: ['email'], role: 'ops' } });
    expect(user.email_confirmed_at).toBeTruthy();
    expect((await anon().auth.signInWithPassword({ email, password: 'admin-made-1' })).error).toBeNull();

    const listed = await admin().listUsers({ page: 1, perPage: 2 });
    expect(listed.error).toBeNull();
    expect(listed.data.users).toHaveLength(2);
    // Newest first (GoTrue sorts by created_at desc): the user just made leads.
    expect(listed.data.users[0]?.id).toBe(user.id);
    const all = await admin().listUsers({ page: 1, perPage: 1000 });
    expect(all.data.users.map((entry) => entry.email)).toEqual(expect.arrayContaining([ADMIN.email, VIEWER.email, email]));
    if (!('total' in listed.data)) throw new Error('test: listUsers gave no pagination');
    expect(listed.data).toMatchObject({ aud: 'authenticated', total: all.data.users.length, nextPage: 2, lastPage: Math.ceil(all.data.users.length / 2) });

    expect((await admin().deleteUser(user.id)).error).toBeNull();
    expect((await admin().listUsers({ page: 1, perPage: 1000 })).data.users.some((entry) => entry.id === user.id)).toBe(false);
    const again = await admin().deleteUser(user.id);
    expect(again.error).toMatchObject({ status: 404, code: 'user_not_found', message: 'User not found' });
    const signIn = await anon().auth.signInWithPassword({ email, password: 'admin-made-1' });
    expect(signIn.error).toMatchObject({ code: 'invalid_credentials' });
  });

  it('creates an unconfirmed user when email_confirm is not set, and refuses a duplicate email with 422 email_exists', async () => {
    const email = freshEmail();
    const created = await admin().createUser({ email, password: 'admin-made-2' });
    expect(created.error).toBeNull();
    expect(created.data.user?.email_confirmed_at).toBeUndefined();
    const duplicate = await admin().createUser({ email: email.toUpperCase(), password: 'admin-made-2' });
    expect(duplicate.error).toMatchObject({ status: 422, code: 'email_exists', message: 'A user with this email address has already been registered' });
    const missing = await admin().createUser({ password: 'admin-made-3' });
    expect(missing.error).toMatchObject({ status: 400, code: 'validation_failed', message: 'Cannot create a user without either an email or phone' });
  });

  it('refuses the anon key and a signed-in user with 403 not_admin, and a bad id with 404', async () => {
    const asAnon = await officialClient(open.url, stack.anonKey).auth.admin.listUsers();
    expect(asAnon.error).toMatchObject({ status: 403, code: 'not_admin', message: 'User not allowed' });
    const session = (await anon().auth.signInWithPassword(ADMIN)).data.session!;
    const response = await fetch(`${open.url}/auth/v1/admin/users`, { headers: { apikey: stack.anonKey, authorization: `Bearer ${session.access_token}` } });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error_code: 'not_admin', msg: 'User not allowed' });
    // auth-js checks ids itself; the server's own answer, asked directly:
    const badId = await fetch(`${open.url}/auth/v1/admin/users/not-a-uuid`, { method: 'DELETE', headers: { apikey: stack.serviceRoleKey, authorization: `Bearer ${stack.serviceRoleKey}`, 'x-supabase-api-version': '2024-01-01' } });
    expect(badId.status).toBe(404);
    expect(await badId.json()).toEqual({ code: 'validation_failed', message: 'user_id must be an UUID' });
  });
});
