import 'server-only';
import { ZodError } from 'zod';
import { ApiError } from '@/lib/api/api-error';
import type { SessionUser } from '@/lib/auth/verify-access-token';
import { db } from '@/lib/db/pool';
import type { ChangeRequest } from '@/lib/rollout/admin-requests';
import { blastRadius, type BlastRadius } from '@/lib/rollout/blast-radius';
import { applyCommand, type RolloutCommand } from '@/lib/rollout/commands';
import { rolloutConfigSchema, STAGES, type RolloutConfig } from '@/lib/rollout/config';
import { checkGates } from '@/lib/migration/gate-runner';
import { isLiveStage } from '@/lib/migration/stage-order';
import { changeConfig, ConfigConflictError, listAudit, loadConfig, type AuditEntry } from '@/lib/rollout/config-store';
import { evaluate, type Decision, type RolloutSubject } from '@/lib/rollout/evaluate';
import { invalidateRolloutConfig } from '@/lib/rollout/server-config';
import { findSubject, listKnownSubjects } from '@/lib/rollout/subjects-store';

export async function rolloutOverview(): Promise<{ config: RolloutConfig; audit: AuditEntry[] }> {
  const pool = db();
  const [config, audit] = await Promise.all([loadConfig(pool), listAudit(pool, 50)]);
  return { config, audit };
}

/**
 * Saves an admin's change (audited); 409 when someone else saved first, or when it
 * advances into a live stage while a gate does not pass (unless forced, which is audited).
 */
export async function saveRolloutChange(admin: SessionUser, request: ChangeRequest): Promise<RolloutConfig> {
  const pool = db();
  let reason = request.reason;
  const current = await loadConfig(pool);
  // The net stage the commands lead to: a `rollback` "to" a later stage advances too.
  const proposed = request.commands.reduce(applyCommand, current);
  // Gate anything that puts more users on Realtime: a later live stage, or a bigger share
  // (which renders from Realtime from the shadow stage on).
  const laterLiveStage = STAGES.indexOf(proposed.stage) > STAGES.indexOf(current.stage) && isLiveStage(proposed.stage);
  const biggerShare = proposed.stage !== 'legacy-only' && proposed.percentage > Math.max(current.percentage, current.ratchet ? current.highWater : 0);
  if (laterLiveStage || biggerShare) {
    const check = await checkGates(pool);
    if (check.verdict !== 'pass') {
      const blocking = check.results.filter((r) => r.status !== 'pass').map((r) => `${r.gate}: ${r.status === 'wait' ? 'waiting for data' : 'failing'} (${r.value}; needs ${r.threshold})`);
      if (!request.force) throw new ApiError('gate_failed', `Advancing is refused while a gate does not pass — ${blocking.join('; ')}. An admin may force it with a reason.`);
      reason = `FORCED past gates [${blocking.join('; ')}]: ${reason}`;
    }
  }
  try {
    const change = await changeConfig(pool, { actor: { id: admin.id, email: admin.email }, commands: request.commands, reason, expectedVersion: request.expectedVersion });
    invalidateRolloutConfig();
    return change.after;
  } catch (error) {
    if (error instanceof ConfigConflictError) throw new ApiError('conflict', error.message, { cause: error });
    if (error instanceof ZodError) throw new ApiError('validation_failed', `The change would produce an invalid config: ${error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, { cause: error });
    throw error;
  }
}

/** Who would move if these commands were saved — before saving. */
export async function previewRolloutChange(commands: RolloutCommand[]): Promise<BlastRadius & { proposed: RolloutConfig }> {
  const pool = db();
  const [current, subjects] = await Promise.all([loadConfig(pool), listKnownSubjects(pool)]);
  const proposed = rolloutConfigSchema.safeParse(commands.reduce(applyCommand, current));
  if (!proposed.success) throw new ApiError('validation_failed', 'The change would produce an invalid config.');
  return { ...blastRadius(current, proposed.data, subjects), proposed: proposed.data };
}

/** Bucket, matching rule and cohort for one user (by id or email). */
export async function explainUser(query: string): Promise<{ subject: RolloutSubject; decision: Decision }> {
  const pool = db();
  const subject = await findSubject(pool, query);
  if (!subject) throw new ApiError('not_found', `No known user matches "${query}".`);
  return { subject, decision: evaluate(await loadConfig(pool), subject) };
}
