import 'server-only';
import { ZodError } from 'zod';
import { ApiError } from '@/lib/api/api-error';
import type { SessionUser } from '@/lib/auth/verify-access-token';
import { db } from '@/lib/db/pool';
import type { ChangeRequest } from '@/lib/migration/admin-requests';
import { blastRadius, type BlastRadius } from '@/lib/rollout/blast-radius';
import { applyCommand, type RolloutCommand } from '@/lib/rollout/commands';
import { rolloutConfigSchema, type RolloutConfig } from '@/lib/rollout/config';
import { checkGates } from '@/lib/migration/gate-runner';
import { exposureIncrease } from '@/lib/rollout/exposure';
import { appWindowMs } from '@/lib/validation/store/window-config';
import { changeConfig, ConfigConflictError, listAudit, loadConfig, type AuditEntry } from '@/lib/rollout/server/config-store';
import { evaluate, type Decision, type RolloutSubject } from '@/lib/rollout/evaluate';
import { invalidateRolloutConfig } from '@/lib/rollout/server/server-config';
import { findSubject, listKnownSubjects } from '@/lib/rollout/server/subjects-store';

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
  const [current, known] = await Promise.all([loadConfig(pool), listKnownSubjects(pool)]);
  // The net effect of all commands: a `rollback` "to" a later stage advances too.
  const proposed = request.commands.reduce(applyCommand, current);
  // Gate anything that puts more users on Realtime, whatever its form.
  const exposure = exposureIncrease(current, proposed, known);
  if (exposure.gated) {
    const check = await checkGates(pool, { windowMs: appWindowMs() });
    if (check.verdict !== 'pass') {
      const blocking = check.results.filter((r) => r.status !== 'pass').map((r) => `${r.gate}: ${r.status === 'wait' ? 'waiting for data' : r.status} (${r.value}; needs ${r.threshold})`);
      // Bounded: a change may name up to 100 segments; the audit keeps the first few reasons.
      const because = exposure.because.length > 5 ? [...exposure.because.slice(0, 5), `${exposure.because.length - 5} more`] : exposure.because;
      const what = `${because.join(', ')} (${exposure.known.length} known users${exposure.unseen > 0 ? ' and users not seen yet' : ''} onto more Realtime)`;
      if (!request.force) throw new ApiError('gate_failed', `Refused while a gate does not pass: ${what} — ${blocking.join('; ')}. An admin may force it with a reason.`);
      reason = `FORCED past gates [${blocking.join('; ')}] for ${what}: ${reason}`;
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
export async function previewRolloutChange(commands: RolloutCommand[]): Promise<BlastRadius & { proposed: RolloutConfig; exposure: { known: number; unseen: number; because: string[]; gated: boolean } }> {
  const pool = db();
  const [current, subjects] = await Promise.all([loadConfig(pool), listKnownSubjects(pool)]);
  const proposed = rolloutConfigSchema.safeParse(commands.reduce(applyCommand, current));
  if (!proposed.success) throw new ApiError('validation_failed', 'The change would produce an invalid config.');
  const exposure = exposureIncrease(current, proposed.data, subjects);
  return { ...blastRadius(current, proposed.data, subjects), proposed: proposed.data, exposure: { known: exposure.known.length, unseen: exposure.unseen, because: exposure.because, gated: exposure.gated } };
}

/** Bucket, matching rule and cohort for one user (by id or email). */
export async function explainUser(query: string): Promise<{ subject: RolloutSubject; decision: Decision }> {
  const pool = db();
  const subject = await findSubject(pool, query);
  if (!subject) throw new ApiError('not_found', `No known user matches "${query}".`);
  return { subject, decision: evaluate(await loadConfig(pool), subject) };
}
