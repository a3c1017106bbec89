import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { AuthHttpError } from './auth-error.js';

/** GoTrue's `MaxPasswordLength` (bcrypt reads 72 bytes) and the default `password.min_length`. */
const MAX_PASSWORD_LENGTH = 72;
const MIN_PASSWORD_LENGTH = 6;
/** checkmail's format check, as GoTrue's `validateEmail` runs it. */
const EMAIL_FORMAT = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** GoTrue `validateEmail`: required, ≤ 255 characters, checkmail's format; returns it lower-cased. */
export function validEmail(email: string | null | undefined): string {
  if (!email) throw new AuthHttpError(400, 'validation_failed', 'An email address is required');
  if (email.length > 255) throw new AuthHttpError(400, 'validation_failed', 'An email address is too long');
  if (!EMAIL_FORMAT.test(email)) throw new AuthHttpError(400, 'validation_failed', 'Unable to validate email address: invalid format');
  return email.toLowerCase();
}

/** GoTrue `checkPasswordStrength` with the default policy: ≤ 72 characters, ≥ 6 (422 `weak_password` with reasons). */
export function checkPasswordStrength(password: string): void {
  if (password.length > MAX_PASSWORD_LENGTH) throw new AuthHttpError(400, 'validation_failed', `Password cannot be longer than ${MAX_PASSWORD_LENGTH} characters`);
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new AuthHttpError(422, 'weak_password', `Password should be at least ${MIN_PASSWORD_LENGTH} characters.`, { extra: { weak_password: { reasons: ['length'] } } });
  }
}

/** A password for users created without one (GoTrue generates 64 characters). */
export function generatedPassword(): string {
  return randomBytes(48).toString('base64url');
}

export interface NewUser {
  email: string;
  password: string;
  aud: string;
  role: string;
  userMetadata: Record<string, unknown>;
  /** Merged over `{ provider: 'email', providers: ['email'] }`. */
  appMetadata: Record<string, unknown>;
  confirmed: boolean;
}

/**
 * Inserts a user with an `email` identity (GoTrue `NewUser` + `createNewIdentity`) in one
 * statement, the password hashed by pgcrypto's bcrypt (cost 10, as GoTrue). Returns the id, or
 * null when the email is already taken in that audience (the unique index decides, so two
 * concurrent sign-ups cannot both win).
 */
export async function insertUser(db: pg.Pool, user: NewUser): Promise<string | null> {
  const appMetadata = { provider: 'email', providers: ['email'], ...user.appMetadata };
  const { rows } = await db.query<{ id: string }>(
    `with u as (
       insert into auth.users (aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
       select $1::text, $2::text, $3::text, extensions.crypt($4::text, extensions.gen_salt('bf', 10)), case when $5::boolean then now() end, $6::jsonb, $7::jsonb
       where not exists (select 1 from auth.users x where lower(x.email) = lower($3::text) and x.aud = $1::text)
       on conflict (email) do nothing
       returning id, email
     ), i as (
       insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at)
       select u.id::text, u.id, jsonb_build_object('sub', u.id::text, 'email', u.email, 'email_verified', $5::boolean, 'phone_verified', false), 'email', now() from u
       returning id
     )
     select u.id from u, i`,
    [user.aud, user.role, user.email, user.password, user.confirmed, JSON.stringify(appMetadata), JSON.stringify(user.userMetadata)],
  );
  return rows[0]?.id ?? null;
}
