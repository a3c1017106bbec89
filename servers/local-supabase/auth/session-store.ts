import type pg from 'pg';
import { hashRefreshToken, newRefreshToken } from './refresh-token.js';

/** A live session and the refresh token that currently continues it. */
export interface IssuedSession {
  userId: string;
  sessionId: string;
  /** When the password was verified: the `amr` timestamp of every access token of the session. */
  signedInAt: Date;
  refreshToken: string;
}

/**
 * Opens a session for a verified user: one statement inserts the session and its first
 * refresh token and stamps `last_sign_in_at` (GoTrue's `IssueRefreshToken`).
 */
export async function createSession(pool: pg.Pool, input: { userId: string; userAgent: string | null; ip: string | null }): Promise<IssuedSession> {
  const refreshToken = newRefreshToken();
  const { rows } = await pool.query<{ id: string; created_at: Date }>(
    `with s as (
       insert into auth.sessions (user_id, aal, user_agent, ip) values ($1, 'aal1', $2, $3) returning id, created_at
     ), t as (
       insert into auth.refresh_tokens (token_hash, user_id, session_id) select $4, $1, s.id from s returning id
     ), u as (
       update auth.users set last_sign_in_at = now() where id = $1 returning id
     )
     select s.id, s.created_at from s, t, u`,
    [input.userId, input.userAgent, input.ip, hashRefreshToken(refreshToken)],
  );
  const row = rows[0];
  if (!row) throw new Error('auth: session insert returned no row');
  return { userId: input.userId, sessionId: row.id, signedInAt: row.created_at, refreshToken };
}

export type LogoutScope = 'global' | 'local' | 'others';

/** Ends sessions per GoTrue's logout scopes; refresh tokens go with them (on delete cascade). */
export async function deleteSessions(pool: pg.Pool, scope: LogoutScope, userId: string, sessionId: string | null): Promise<void> {
  if (scope === 'local' && sessionId) {
    await pool.query('delete from auth.sessions where id = $1', [sessionId]);
  } else if (scope === 'others' && sessionId) {
    await pool.query('delete from auth.sessions where user_id = $1 and id <> $2', [userId, sessionId]);
  } else {
    await pool.query('delete from auth.sessions where user_id = $1', [userId]);
  }
}
