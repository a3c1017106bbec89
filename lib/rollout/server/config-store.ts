import 'server-only';
import type pg from 'pg';
import { auditChanges, type AuditChange } from '@/lib/rollout/audit-changes';
import { applyCommand, describeCommand, type RolloutCommand } from '@/lib/rollout/commands';
import { DEFAULT_CONFIG, rolloutConfigSchema, type RolloutConfig } from '@/lib/rollout/config';

export interface Actor {
  id: string | null;
  email: string;
}

export interface ConfigChange {
  before: RolloutConfig;
  after: RolloutConfig;
  auditId: number;
}

/** The current config (the default before the first saved change). */
export async function loadConfig(pool: pg.Pool | pg.PoolClient): Promise<RolloutConfig> {
  const result = await pool.query<{ config: unknown }>('select config from public.rollout_config where id = 1');
  const row = result.rows[0];
  return row ? rolloutConfigSchema.parse(row.config) : DEFAULT_CONFIG;
}

/**
 * Applies commands atomically: row lock, new version, audit entry (who, when, before →
 * after, why). Concurrent admins serialise on the lock; nothing partial is stored.
 */
export async function changeConfig(
  pool: pg.Pool,
  input: { actor: Actor; commands: RolloutCommand[]; reason: string; automatic?: boolean; expectedVersion?: number },
): Promise<ConfigChange> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query(
      'insert into public.rollout_config (id, version, config) values (1, $1, $2) on conflict (id) do nothing',
      [DEFAULT_CONFIG.version, DEFAULT_CONFIG],
    );
    const locked = await client.query<{ config: unknown }>('select config from public.rollout_config where id = 1 for update');
    const before = rolloutConfigSchema.parse(locked.rows[0]?.config);
    if (input.expectedVersion !== undefined && input.expectedVersion !== before.version) {
      throw new ConfigConflictError(before.version, input.expectedVersion);
    }
    const changed = input.commands.reduce(applyCommand, before);
    const after = rolloutConfigSchema.parse({
      ...changed,
      version: before.version + 1,
      updatedAt: new Date().toISOString(),
      updatedBy: input.actor.email,
    });
    await client.query('update public.rollout_config set version = $1, config = $2, updated_at = now() where id = 1', [after.version, after]);
    const audit = await client.query<{ id: number }>(
      `insert into public.rollout_audit (actor_id, actor_email, action, reason, automatic, from_version, to_version, before, after)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id`,
      [input.actor.id, input.actor.email, input.commands.map(describeCommand).join('; '), input.reason, input.automatic ?? false, before.version, after.version, before, after],
    );
    await client.query('commit');
    return { before, after, auditId: Number(audit.rows[0]?.id) };
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}

export class ConfigConflictError extends Error {
  constructor(readonly currentVersion: number, readonly expectedVersion: number) {
    super(`rollout: the config changed meanwhile (now version ${currentVersion}, you edited version ${expectedVersion}); reload and try again`);
    this.name = 'ConfigConflictError';
  }
}

export interface AuditEntry {
  id: number;
  at: string;
  actorEmail: string;
  action: string;
  reason: string;
  automatic: boolean;
  fromVersion: number | null;
  toVersion: number;
  /** Before → after per changed setting, users named by email when known. */
  changes: AuditChange[];
}

export async function listAudit(pool: pg.Pool, limit = 50): Promise<AuditEntry[]> {
  const result = await pool.query<{ id: number; at: Date; actor_email: string; action: string; reason: string; automatic: boolean; from_version: number | null; to_version: number; before: Record<string, unknown> | null; after: Record<string, unknown> }>(
    'select id, at, actor_email, action, reason, automatic, from_version, to_version, before, after from public.rollout_audit order by id desc limit $1',
    [limit],
  );
  // Users the changes mention, named by email (the subjects table knows who signed in).
  const mentioned = new Set<string>();
  const collect = (id: string) => {
    mentioned.add(id);
    return id;
  };
  for (const row of result.rows) auditChanges(row.before, row.after, collect);
  const emails = new Map<string, string>();
  if (mentioned.size > 0) {
    const subjects = await pool.query<{ user_id: string; email: string }>('select user_id, email from public.rollout_subjects where user_id = any($1::text[]) and email is not null', [[...mentioned]]);
    for (const subject of subjects.rows) emails.set(subject.user_id, subject.email);
  }
  const name = (id: string) => emails.get(id) ?? id;
  return result.rows.map((row) => ({
    id: Number(row.id),
    at: row.at.toISOString(),
    actorEmail: row.actor_email,
    // Stored actions name users by id; show their emails.
    action: [...emails].reduce((text, [id, email]) => text.split(id).join(email), row.action),
    reason: row.reason,
    automatic: row.automatic,
    fromVersion: row.from_version,
    toVersion: row.to_version,
    changes: auditChanges(row.before, row.after, name),
  }));
}
