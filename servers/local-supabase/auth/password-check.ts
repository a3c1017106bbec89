import { timingSafeEqual } from 'node:crypto';
import type pg from 'pg';

/**
 * A syntactically valid bcrypt (cost 10) hash that matches no password: unknown users are
 * checked against it so that they cost the same bcrypt run as known ones.
 */
const DUMMY_HASH = '$2a$10$CwTycUXWue0Thq9StjUM0uJ8DXhvXQJ6T1z7bp6bXmHdoGo1hQ3Gq';

export interface PasswordCheck {
  userId: string;
  banned: boolean;
  confirmed: boolean;
}

/**
 * Looks the user up by email (case-insensitively, audience `authenticated`) and checks the
 * password with pgcrypto's bcrypt, exactly one bcrypt evaluation whether or not the user
 * exists. Returns null for "invalid credentials" (unknown user, no password, wrong password).
 */
export async function checkPassword(pool: pg.Pool, email: string, password: string): Promise<PasswordCheck | null> {
  const { rows } = await pool.query<{ id: string | null; stored: string | null; computed: string; banned: boolean; confirmed: boolean }>(
    `select u.id, u.encrypted_password as stored,
            extensions.crypt($2, case when u.encrypted_password like '$2_$__$%' then u.encrypted_password else $3 end) as computed,
            coalesce(u.banned_until > now(), false) as banned, u.email_confirmed_at is not null as confirmed
     from (select 1) as one
     left join auth.users u on lower(u.email) = lower($1) and u.aud = 'authenticated'`,
    [email, password, DUMMY_HASH],
  );
  const row = rows[0];
  if (!row?.id || !row.stored) return null;
  const stored = Buffer.from(row.stored, 'utf8');
  const computed = Buffer.from(row.computed, 'utf8');
  if (stored.length !== computed.length || !timingSafeEqual(stored, computed)) return null;
  return { userId: row.id, banned: row.banned, confirmed: row.confirmed };
}
