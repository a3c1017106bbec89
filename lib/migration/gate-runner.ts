import 'server-only';
import type pg from 'pg';
import { evaluateGates, overall, type GateResult } from '@/lib/migration/gates';
import { loadStageMetrics } from '@/lib/migration/stage-metrics';
import { isLiveStage, nextStage, previousStage, realtimeConnectionShare } from '@/lib/migration/stage-order';
import type { RolloutConfig, Stage } from '@/lib/rollout/config';
import { changeConfig, loadConfig } from '@/lib/rollout/config-store';

const RUNNER = { id: null, email: 'gate-runner (automatic)' };
/** Gates never look further back than this, even if the stage is older. */
export const GATE_LOOKBACK_MS = 60 * 60_000;

export interface GateCheck {
  config: RolloutConfig;
  next: Stage | null;
  results: GateResult[];
  verdict: 'pass' | 'fail' | 'wait';
  action: { kind: 'none' } | { kind: 'rollback'; to: Stage; reason: string } | { kind: 'advance'; to: Stage; reason: string };
}

/** Gates for the current stage over its own window (never mixing data from earlier stages). */
export async function checkGates(pool: pg.Pool, now = Date.now()): Promise<GateCheck> {
  const config = await loadConfig(pool);
  const since = Math.max(Date.parse(config.stageSince), now - GATE_LOOKBACK_MS);
  const metrics = await loadStageMetrics(pool, { sinceMs: since });
  const next = nextStage(config.stage);
  const results = evaluateGates(metrics, config.plan, realtimeConnectionShare(next ?? config.stage));
  const verdict = overall(results);
  return { config, next, results, verdict, action: decide(config, next, results, verdict, now) };
}

function decide(config: RolloutConfig, next: Stage | null, results: GateResult[], verdict: GateCheck['verdict'], now: number): GateCheck['action'] {
  if (config.killSwitch) return { kind: 'none' };
  // Quota headroom guards the next step only; the health gates guard the current one.
  const breaches = results.filter((r) => r.gate !== 'quota-headroom' && r.status === 'fail');
  if (breaches.length > 0 && isLiveStage(config.stage)) {
    const severe = breaches.some((r) => r.severe);
    const to = severe ? 'legacy-only' : previousStage(config.stage);
    return { kind: 'rollback', to, reason: `automatic rollback: ${breaches.map((r) => `${r.gate} ${r.value} (needs ${r.threshold})`).join('; ')}` };
  }
  const soaked = now - Date.parse(config.stageSince) >= config.soakMinutes * 60_000;
  if (config.autoAdvance && verdict === 'pass' && soaked && next && next !== 'decommissioned') {
    return { kind: 'advance', to: next, reason: `automatic advance after ${config.soakMinutes} min with every gate passing` };
  }
  return { kind: 'none' };
}

/** One tick of the gate runner: checks, then rolls back or advances (audited) if it must. */
export async function runGateTick(pool: pg.Pool, now = Date.now()): Promise<GateCheck> {
  const check = await checkGates(pool, now);
  const { action } = check;
  if (action.kind === 'rollback') {
    await changeConfig(pool, { actor: RUNNER, commands: [{ type: 'rollback', toStage: action.to }], reason: action.reason, automatic: true, expectedVersion: check.config.version });
  } else if (action.kind === 'advance') {
    await changeConfig(pool, { actor: RUNNER, commands: [{ type: 'set-stage', stage: action.to }], reason: action.reason, automatic: true, expectedVersion: check.config.version });
  }
  return check;
}
