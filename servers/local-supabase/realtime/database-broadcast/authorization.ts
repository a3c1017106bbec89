import { randomUUID } from 'node:crypto';
import type pg from 'pg';

/** What the caller's policies on `realtime.messages` allow for one topic (upstream's `Policies`). */
export interface ChannelPolicies {
  broadcastRead: boolean;
  /** `null` when not evaluated (presence was not enabled at join). */
  presenceRead: boolean | null;
  broadcastWrite: boolean;
  /** May `track` on the channel (INSERT with `extension = 'presence'`); `null` when not evaluated. */
  presenceWrite: boolean | null;
}

/** Who is asking: the verified JWT claims of the join (or of the latest access token). */
export interface AuthorizationContext {
  topic: string;
  claims: Record<string, unknown> & { role: string };
}

/** A policy that could not be evaluated (unknown role, an error inside a policy): upstream's `rls_policy_error`. */
export class PolicyError extends Error {}

/**
 * The roles a token may have its policies evaluated as. Upstream evaluates on a
 * `supabase_realtime_admin` connection, which cannot assume anything else; ours is the local
 * stack's superuser, where `set_config('role', 'postgres')` — or `'none'`, back to the session
 * user — would bypass RLS on every topic (review L1). Anything else is refused before the switch.
 */
export const POLICY_ROLES: ReadonlySet<string> = new Set(['anon', 'authenticated', 'service_role']);

/** The most an authorization transaction may take (review M6): a slow policy or a locked table ends as an error, not a held pool connection. */
export const AUTHORIZATION_TIMEOUT_MS = 5_000;

/**
 * Evaluates the caller's RLS policies on `realtime.messages` for `topic`, as Realtime does:
 * probe rows are inserted as the owner, then, as the caller's role with its claims and
 * `realtime.topic` set, a SELECT says what it may receive and an INSERT (in a savepoint) what it
 * may send. Everything is rolled back.
 */
export async function evaluatePolicies(pool: pg.Pool, context: AuthorizationContext, options: { presence: boolean }): Promise<ChannelPolicies> {
  if (!POLICY_ROLES.has(context.claims.role)) throw new PolicyError(`permission denied to set role "${context.claims.role}"`);
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('begin');
    await client.query("select set_config('statement_timeout', $1, true)", [String(AUTHORIZATION_TIMEOUT_MS)]);
    await quietWriteCheck(client);
    const probes: Record<string, string> = { broadcast: randomUUID(), ...(options.presence ? { presence: randomUUID() } : {}) };
    const entries = Object.entries(probes);
    await client.query(
      `insert into realtime.messages (id, topic, extension) select * from unnest($1::uuid[], $2::text[], $3::text[])`,
      [entries.map(([, id]) => id), entries.map(() => context.topic), entries.map(([extension]) => extension)],
    );
    const { claims } = context;
    try {
      await client.query(
        `select set_config('role', $1, true), set_config('realtime.topic', $2, true), set_config('request.jwt.claims', $3, true),
                set_config('request.jwt.claim.sub', $4, true), set_config('request.jwt.claim.role', $1, true)`,
        [claims.role, context.topic, JSON.stringify(claims), typeof claims.sub === 'string' ? claims.sub : ''],
      );
      const { rows } = await client.query<{ id: string }>('select id from realtime.messages where id = any($1::uuid[])', [entries.map(([, id]) => id)]);
      const seen = new Set(rows.map((row) => row.id));
      const broadcastWrite = await mayInsert(client, context.topic, 'broadcast');
      const presenceWrite = options.presence ? await mayInsert(client, context.topic, 'presence') : null;
      return {
        broadcastRead: seen.has(probes.broadcast!),
        presenceRead: probes.presence ? seen.has(probes.presence) : null,
        broadcastWrite,
        presenceWrite,
      };
    } catch (error) {
      // Errors raised by the role switch or inside a policy: the caller is not authorized.
      const code = (error as { code?: string }).code;
      if (typeof code === 'string' && !code.startsWith('08') && !code.startsWith('57')) throw new PolicyError((error as Error).message, { cause: error });
      throw error;
    }
  } catch (error) {
    broken = !(error instanceof PolicyError);
    throw error;
  } finally {
    await client.query('rollback').catch(() => {
      broken = true;
    });
    client.release(broken);
  }
}

/** The caller's INSERT policies for one extension, tried in a savepoint (an RLS refusal is `false`). */
async function mayInsert(client: pg.PoolClient, topic: string, extension: 'broadcast' | 'presence'): Promise<boolean> {
  await client.query('savepoint write_check');
  try {
    await client.query(`insert into realtime.messages (topic, extension) values ($1, $2)`, [topic, extension]);
    await client.query('release savepoint write_check');
    return true;
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error;
    await client.query('rollback to savepoint write_check');
    return false;
  }
}

/**
 * The write check's expected RLS violation would be logged by Postgres as an ERROR on every
 * private join; a superuser connection (the local stack's) silences this transaction's log.
 */
async function quietWriteCheck(client: pg.PoolClient): Promise<void> {
  await client.query('savepoint quiet');
  try {
    await client.query("select set_config('log_min_messages', 'panic', true), set_config('log_min_error_statement', 'panic', true)");
  } catch {
    await client.query('rollback to savepoint quiet');
  }
}
