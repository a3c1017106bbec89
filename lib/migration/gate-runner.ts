import 'server-only';
import type pg from 'pg';
import { FAILURE_LIMIT, INCONCLUSIVE_LIMIT } from '@/lib/migration/gate-policy';
import { evaluateGates, findOutliers, overall, type GateResult, type GateStatus } from '@/lib/migration/gates';
import { loadStageMetrics } from '@/lib/migration/stage-metrics';
import type { RolloutConfig } from '@/lib/rollout/config';
import { isLiveStage, nextStage, previousStage, realtimeConnectionShare, type Stage } from '@/lib/rollout/stages';
import { changeConfig, loadConfig } from '@/lib/rollout/config-store';
import { DEFAULT_WINDOW_MS, windowStartOf } from '@/lib/validation/window';

const RUNNER = { id: null, email: 'gate-runner (automatic)' };
/** Gates never look further back than this, even if the stage is older. */
export const GATE_LOOKBACK_MS = 60 * 60_000;

export interface RunnerState {
  /** Consecutive measurements with a failing health gate during this stage. */
  failures: number;
  inconclusive: number;
  /** Set when the runner paused for a human; cleared by an admin (or a new stage). */
  paused: { reason: string; at: string } | null;
  /** The analysis mark of the last measurement counted. */
  measuredUntil: string | null;
}

export type GateAction =
  | { kind: 'none'; note?: string }
  | { kind: 'rollback'; to: Stage; reason: string }
  | { kind: 'advance'; to: Stage; reason: string }
  | { kind: 'pause'; reason: string };

export interface GateCheck {
  config: RolloutConfig;
  next: Stage | null;
  /** The window the gates judged: from the first full minute after the stage began. */
  windowStart: string;
  results: GateResult[];
  verdict: GateStatus;
  /** Subjects newly found far out of line (quarantined by the next tick). */
  outliers: Array<{ subject: string; reason: string }>;
  runner: RunnerState;
  action: GateAction;
}

/** The first full analysis window after the stage began: a partial window mixes two stages' traffic. */
export function gateWindowStart(config: Pick<RolloutConfig, 'stageSince'>, now: number, windowMs = DEFAULT_WINDOW_MS): number {
  const began = Date.parse(config.stageSince);
  return Math.max(Math.ceil(began / windowMs) * windowMs, windowStartOf(now - GATE_LOOKBACK_MS, windowMs));
}

export interface GateOptions {
  now?: number;
  /** The analysis window length the worker uses (lib/validation/window.ts). */
  windowMs?: number;
}

async function loadRunnerState(pool: pg.Pool | pg.PoolClient, config: RolloutConfig): Promise<RunnerState & { analyzedUntil: string | null }> {
  const { rows } = await pool.query<{ stage: string; stage_since: Date; measured_until: Date | null; consecutive_failures: number; consecutive_inconclusive: number; paused_reason: string | null; paused_at: Date | null; analyzed_until: Date | null }>(
    `select s.stage, s.stage_since, s.measured_until, s.consecutive_failures, s.consecutive_inconclusive, s.paused_reason, s.paused_at,
            (select analyzed_until from public.validation_progress where id = 1) as analyzed_until
       from (select 1) one left join public.gate_runner_state s on s.id = 1`,
  );
  const row = rows[0];
  const analyzedUntil = row?.analyzed_until?.toISOString() ?? null;
  // A new stage (or a new start of the same one) starts a new streak.
  if (!row?.stage || row.stage !== config.stage || row.stage_since.toISOString() !== new Date(config.stageSince).toISOString()) {
    return { failures: 0, inconclusive: 0, paused: null, measuredUntil: null, analyzedUntil };
  }
  return {
    failures: row.consecutive_failures,
    inconclusive: row.consecutive_inconclusive,
    paused: row.paused_reason && row.paused_at ? { reason: row.paused_reason, at: row.paused_at.toISOString() } : null,
    measuredUntil: row.measured_until?.toISOString() ?? null,
    analyzedUntil,
  };
}

/** Gates for the current stage over its own window (never mixing data from earlier stages), and what the runner would do. */
export async function checkGates(pool: pg.Pool, options: GateOptions = {}): Promise<GateCheck & { nextRunner: RunnerState }> {
  const now = options.now ?? Date.now();
  const config = await loadConfig(pool);
  const since = gateWindowStart(config, now, options.windowMs);
  const [metrics, stored] = await Promise.all([loadStageMetrics(pool, { sinceMs: since }), loadRunnerState(pool, config)]);
  const next = nextStage(config.stage);
  const results = evaluateGates(metrics, config.plan, realtimeConnectionShare(next ?? config.stage));
  const verdict = overall(results);
  const outliers = findOutliers(metrics.subjects).filter((o) => !metrics.quarantined.includes(o.subject));
  const { analyzedUntil, ...runner } = stored;
  const nextRunner = measure(runner, results, analyzedUntil, isLiveStage(config.stage));
  return { config, next, windowStart: new Date(since).toISOString(), results, verdict, outliers, runner, nextRunner, action: decide(config, next, results, verdict, nextRunner, now) };
}

const healthBreaches = (results: GateResult[]) => results.filter((r) => r.gate !== 'quota-headroom' && r.status === 'fail');

/** One measurement per newly analysed window: a breach or an inconclusive result extends its streak; anything else ends both. */
function measure(state: RunnerState, results: GateResult[], analyzedUntil: string | null, live: boolean): RunnerState {
  if (analyzedUntil === null || analyzedUntil === state.measuredUntil) return state;
  const failing = live && healthBreaches(results).length > 0;
  const inconclusive = !failing && results.some((r) => r.gate !== 'quota-headroom' && r.status === 'inconclusive');
  return { ...state, measuredUntil: analyzedUntil, failures: failing ? state.failures + 1 : 0, inconclusive: inconclusive ? state.inconclusive + 1 : 0 };
}

function decide(config: RolloutConfig, next: Stage | null, results: GateResult[], verdict: GateStatus, runner: RunnerState, now: number): GateAction {
  if (config.killSwitch) return { kind: 'none', note: 'kill switch on: nothing moves by itself' };
  // Quota headroom guards the next step only; the health gates guard the current one.
  const breaches = healthBreaches(results);
  if (breaches.length > 0 && isLiveStage(config.stage)) {
    if (runner.failures < FAILURE_LIMIT) return { kind: 'none', note: `breach ${runner.failures} of ${FAILURE_LIMIT}: acting only if it persists` };
    const severe = breaches.some((r) => r.severe);
    const to = severe ? 'legacy-only' : previousStage(config.stage);
    return { kind: 'rollback', to, reason: `automatic rollback: ${breaches.map((r) => `${r.gate} ${r.value} (needs ${r.threshold})`).join('; ')}; breach persisted over ${runner.failures} analysed windows` };
  }
  if (runner.paused) return { kind: 'none', note: `paused for a human since ${runner.paused.at}: ${runner.paused.reason}` };
  if (runner.inconclusive >= INCONCLUSIVE_LIMIT) {
    const unsure = results.filter((r) => r.status === 'inconclusive').map((r) => `${r.gate} ${r.value}`);
    return { kind: 'pause', reason: `inconclusive for ${runner.inconclusive} analysed windows (${unsure.join('; ')}): neither rolling back nor advancing until someone looks` };
  }
  const soaked = now - Date.parse(config.stageSince) >= config.soakMinutes * 60_000;
  if (config.autoAdvance && verdict === 'pass' && soaked && next && next !== 'decommissioned') {
    return { kind: 'advance', to: next, reason: `automatic advance after ${config.soakMinutes} min with every gate passing` };
  }
  return { kind: 'none' };
}

async function saveRunnerState(pool: pg.Pool, config: RolloutConfig, state: RunnerState): Promise<void> {
  await pool.query(
    `insert into public.gate_runner_state (id, stage, stage_since, measured_until, consecutive_failures, consecutive_inconclusive, paused_reason, paused_at)
     values (1, $1, $2, $3, $4, $5, $6, $7)
     on conflict (id) do update set stage = excluded.stage, stage_since = excluded.stage_since, measured_until = excluded.measured_until,
       consecutive_failures = excluded.consecutive_failures, consecutive_inconclusive = excluded.consecutive_inconclusive,
       paused_reason = excluded.paused_reason, paused_at = excluded.paused_at`,
    [config.stage, config.stageSince, state.measuredUntil, state.failures, state.inconclusive, state.paused?.reason ?? null, state.paused?.at ?? null],
  );
}

/** An admin looked: the runner may act again (and the inconclusive streak starts over). */
export async function resumeGateRunner(pool: pg.Pool): Promise<void> {
  await pool.query('update public.gate_runner_state set paused_reason = null, paused_at = null, consecutive_inconclusive = 0 where id = 1');
}

/** One tick of the gate runner: measures, quarantines outliers, then rolls back, advances or pauses (audited) if it must. */
export async function runGateTick(pool: pg.Pool, options: GateOptions = {}): Promise<GateCheck> {
  const now = options.now ?? Date.now();
  const check = await checkGates(pool, { ...options, now });
  const { action, config } = check;
  for (const outlier of check.outliers) {
    await pool.query('insert into public.validation_quarantine (subject, reason) values ($1, $2) on conflict (subject) do update set since = now(), reason = excluded.reason, released_at = null, released_by = null where validation_quarantine.released_at is not null', [
      outlier.subject,
      outlier.reason,
    ]);
  }
  let state = check.nextRunner;
  if (action.kind === 'rollback') {
    await changeConfig(pool, { actor: RUNNER, commands: [{ type: 'rollback', toStage: action.to }], reason: action.reason, automatic: true, expectedVersion: config.version });
    return { ...check, runner: state };
  }
  if (action.kind === 'advance') {
    await changeConfig(pool, { actor: RUNNER, commands: [{ type: 'set-stage', stage: action.to }], reason: action.reason, automatic: true, expectedVersion: config.version });
    return { ...check, runner: state };
  }
  if (action.kind === 'pause') {
    state = { ...state, paused: { reason: action.reason, at: new Date(now).toISOString() } };
    await pool.query(
      `insert into public.rollout_audit (actor_email, action, reason, automatic, from_version, to_version, before, after) values ($1, 'PAUSED (gates inconclusive)', $2, true, $3, $3, $4, $4)`,
      [RUNNER.email, action.reason.slice(0, 500), config.version, config],
    );
  }
  await saveRunnerState(pool, config, state);
  return { ...check, runner: state };
}
