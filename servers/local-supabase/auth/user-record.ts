import type pg from 'pg';

/** `auth.users` as GoTrue serialises it (`models.User`), identities included. */
export interface UserJson {
  id: string;
  aud: string;
  role: string;
  email: string;
  email_confirmed_at?: string;
  phone: string;
  confirmed_at?: string;
  last_sign_in_at?: string;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  identities: unknown[];
  created_at: string;
  updated_at: string;
  banned_until?: string;
  is_anonymous: boolean;
}

/** The loaded user plus the flags the endpoints decide on; `sessionExists` is null when no session id was asked about. */
export interface UserRecord {
  json: UserJson;
  banned: boolean;
  confirmed: boolean;
  sessionExists: boolean | null;
}

interface UserRow {
  id: string;
  aud: string;
  role: string;
  email: string | null;
  email_confirmed_at: Date | null;
  last_sign_in_at: Date | null;
  raw_app_meta_data: Record<string, unknown> | null;
  raw_user_meta_data: Record<string, unknown> | null;
  is_anonymous: boolean;
  banned_until: Date | null;
  banned: boolean;
  created_at: Date;
  updated_at: Date;
  identities: unknown[];
  session_exists: boolean | null;
}

/** The user's columns and identities; `session` is the SQL of the session id to check (or `null::uuid`). */
const userColumns = (session: string) => `
  select u.id, u.aud, u.role, u.email, u.email_confirmed_at, u.last_sign_in_at,
         u.raw_app_meta_data, u.raw_user_meta_data, u.is_anonymous, u.banned_until,
         coalesce(u.banned_until > now(), false) as banned, u.created_at, u.updated_at,
         coalesce((
           select json_agg(json_build_object(
             'identity_id', i.id, 'id', i.provider_id, 'user_id', i.user_id, 'identity_data', i.identity_data,
             'provider', i.provider, 'last_sign_in_at', i.last_sign_in_at, 'created_at', i.created_at,
             'updated_at', i.updated_at, 'email', i.email) order by i.created_at)
           from auth.identities i where i.user_id = u.id), '[]'::json) as identities,
         case when ${session} is null then null else exists (select 1 from auth.sessions s where s.id = ${session} and s.user_id = u.id) end as session_exists
  from auth.users u`;

const USER_SQL = `${userColumns('$2::uuid')} where u.id = $1::uuid`;

/** One page of an audience's users, newest first (GoTrue `FindUsersInAudience`), and how many there are. */
export async function listUsers(db: pg.Pool, input: { aud: string; page: number; perPage: number; filter: string }): Promise<{ users: UserJson[]; total: number }> {
  const like = input.filter === '' ? null : `%${input.filter.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const where = 'where u.aud = $1 and ($2::text is null or u.email ilike $2)';
  const [page, count] = await Promise.all([
    db.query<UserRow>(`${userColumns('null::uuid')} ${where} order by u.created_at desc, u.id desc limit $3 offset $4`, [input.aud, like, input.perPage, (input.page - 1) * input.perPage]),
    db.query<{ n: string }>(`select count(*) as n from auth.users u ${where}`, [input.aud, like]),
  ]);
  return { users: page.rows.map(toUserJson), total: Number(count.rows[0]?.n ?? 0) };
}

/** Loads a user (and whether `sessionId` is still a live session of theirs) in one round trip. */
export async function loadUser(db: pg.Pool | pg.PoolClient, userId: string, sessionId: string | null = null): Promise<UserRecord | null> {
  const { rows } = await db.query<UserRow>(USER_SQL, [userId, sessionId]);
  const row = rows[0];
  if (!row) return null;
  return { json: toUserJson(row), banned: row.banned, confirmed: row.email_confirmed_at !== null, sessionExists: row.session_exists };
}

function toUserJson(row: UserRow): UserJson {
  return {
    id: row.id,
    aud: row.aud,
    role: row.role,
    email: row.email ?? '',
    ...(row.email_confirmed_at ? { email_confirmed_at: row.email_confirmed_at.toISOString() } : {}),
    phone: '',
    ...(row.email_confirmed_at ? { confirmed_at: row.email_confirmed_at.toISOString() } : {}),
    ...(row.last_sign_in_at ? { last_sign_in_at: row.last_sign_in_at.toISOString() } : {}),
    app_metadata: row.raw_app_meta_data ?? {},
    user_metadata: row.raw_user_meta_data ?? {},
    identities: row.identities,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    ...(row.banned_until ? { banned_until: row.banned_until.toISOString() } : {}),
    is_anonymous: row.is_anonymous,
  };
}
