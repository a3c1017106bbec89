import type pg from 'pg';
import { deriveChildToken, hashRefreshToken } from './refresh-token.js';
import type { IssuedSession } from './session-store.js';

export type RotationOutcome =
  | { kind: 'rotated'; session: IssuedSession }
  | { kind: 'not_found' }
  | { kind: 'session_expired' }
  | { kind: 'user_banned' }
  | { kind: 'already_used'; sessionId: string };

interface TokenRow {
  id: string;
  token_hash: string;
  revoked: boolean;
  session_id: string;
  user_id: string;
  signed_in_at: Date;
  reusable: boolean;
  session_expired: boolean;
  banned: boolean;
}

/**
 * GoTrue's refresh-token grant (legacy token rows), serialised per session by row locks:
 * - a live token is revoked and replaced by a child;
 * - a revoked token that is the parent of the session's current token gets that token back
 *   (the client lost the previous response, or two tabs refreshed at once);
 * - any other revoked token is swapped again within `reuseIntervalSeconds` of its revocation,
 *   and after that counts as stolen: every token of the session is revoked.
 */
export async function rotateRefreshToken(
  pool: pg.Pool,
  token: string,
  options: { reuseIntervalSeconds: number; childKey: Uint8Array },
): Promise<RotationOutcome> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const tokenHash = hashRefreshToken(token);
    // Lock the session row first: every change to a session's tokens (and logout) goes through
    // it, so concurrent refreshes queue up instead of deadlocking on token rows.
    await client.query(
      'select id from auth.sessions where id = (select session_id from auth.refresh_tokens where token_hash = $1) for update',
      [tokenHash],
    );
    const { rows } = await client.query<TokenRow>(
      `select t.id, t.token_hash, t.revoked, t.session_id, t.user_id, s.created_at as signed_in_at,
              t.updated_at + make_interval(secs => $2) >= now() as reusable,
              coalesce(s.not_after <= now(), false) as session_expired,
              coalesce(u.banned_until > now(), false) as banned
       from auth.refresh_tokens t
       join auth.sessions s on s.id = t.session_id
       join auth.users u on u.id = t.user_id
       where t.token_hash = $1`,
      [tokenHash, options.reuseIntervalSeconds],
    );
    const row = rows[0];
    const refusal = !row ? 'not_found' : row.banned ? 'user_banned' : row.session_expired ? 'session_expired' : null;
    if (refusal || !row) {
      await client.query('rollback');
      return { kind: refusal ?? 'not_found' };
    }
    const issued = (refreshToken: string): RotationOutcome => ({
      kind: 'rotated',
      session: { userId: row.user_id, sessionId: row.session_id, signedInAt: row.signed_in_at, refreshToken },
    });
    if (row.revoked) {
      const current = await currentChildOf(client, row, token, options.childKey);
      if (current) {
        await client.query('update auth.sessions set updated_at = now() where id = $1', [row.session_id]);
        await client.query('commit');
        return issued(current);
      }
      if (!row.reusable) {
        await client.query('update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = $1 and not revoked', [row.session_id]);
        await client.query('commit');
        return { kind: 'already_used', sessionId: row.session_id };
      }
    }
    const child = await insertChild(client, row, token, options.childKey);
    await client.query('commit');
    return issued(child);
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw new Error('auth: refresh token rotation failed', { cause: error });
  } finally {
    client.release();
  }
}

/** The session's newest live token, when it is `parent`'s direct child (recomputed, not stored). */
async function currentChildOf(client: pg.PoolClient, parent: TokenRow, token: string, childKey: Uint8Array): Promise<string | null> {
  const { rows } = await client.query<{ id: string; token_hash: string; parent: string | null }>(
    'select id, token_hash, parent from auth.refresh_tokens where session_id = $1 and not revoked order by id desc limit 1',
    [parent.session_id],
  );
  const active = rows[0];
  if (!active || active.parent !== parent.token_hash) return null;
  const child = deriveChildToken(childKey, token, active.id);
  return hashRefreshToken(child) === active.token_hash ? child : null;
}

async function insertChild(client: pg.PoolClient, parent: TokenRow, token: string, childKey: Uint8Array): Promise<string> {
  if (!parent.revoked) {
    await client.query('update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1', [parent.id]);
  }
  const { rows } = await client.query<{ id: string }>(`select nextval(pg_get_serial_sequence('auth.refresh_tokens', 'id'))::text as id`);
  const id = rows[0]?.id;
  if (!id) throw new Error('auth: no refresh token id');
  const child = deriveChildToken(childKey, token, id);
  await client.query(
    'insert into auth.refresh_tokens (id, token_hash, user_id, session_id, parent) values ($1, $2, $3, $4, $5)',
    [id, hashRefreshToken(child), parent.user_id, parent.session_id, parent.token_hash],
  );
  await client.query('update auth.sessions set updated_at = now() where id = $1', [parent.session_id]);
  return child;
}
