import 'server-only';
import type pg from 'pg';
import { FAILURE_LIMIT, INCONCLUSIVE_LIMIT, MAX_MEASUREMENT_WINDOWS } from '@/lib/validation/engine/gate-policy';
import { evaluateGates, findOutliers, GATE_THRESHOLDS, overall, type GateResult, type GateStatus, type StageMetrics } from '@/lib/validation/engine/gates';
import { rolloutTarget } from '@/lib/validation/engine/rollout-target';
import { loadStageMetrics } from '@/lib/validation/store/stage-metrics';
import type { RolloutConfig } from '@/lib/rollout/config';
import { stageStrategy } from '@/lib/rollout/strategy';
import { changeConfig, loadConfig } from '@/lib/rollout/server/config-store';
import { isLiveStage, nextStage, previousStage, realtimeConnectionShare, type Stage } from '@/lib/rollout/stages';
import { DEFAULT_WINDOW_MS, windowStartOf } from '@/lib/validation/engine/window';
import { GRACE_MS, REPORT_MS } from '@/lib/validation/store/window-analysis';

const RUNNER = { id: null, email: 'gate-runner (automatic)' };
/** Gates never look further back than this, even if the stage is older. */
export const GATE_LOOKBACK_MS = 60 * 60_000;

export interface RunnerState {
  /** Consecutive failing measurements during this stage. */
  failures: number;
  inconclusive: number;
  /** Set when the runner paused for a human; cleared by an admin (or a new stage). */
  paused: { reason: string; at: string } | null;
  /** The analysis mark of the last measurement. */
  measuredUntil: string | null;
  /** Where the evidence not measured yet begins (each measurement judges its own stretch). */
  chunkFrom: string | null;
  /** Start of the run of consecutive passing measurements (what auto-advance soaks on). */
  passingSince: string | null;
  /** The last failing measurement, in words (what a rollback reports). */
  breach: { reason: string; severe: boolean } | null;
}

export type GateAction =
  | { kind: 'none'; note?: string }
  | { kind: 'rollback'; to: Stage; reason: string }
  | { kind: 'advance'; to: Stage; reason: string }
  | { kind: 'pause'; reason: string };

export interface GateCheck {
  config: RolloutConfig;
  next: Stage | null;
  /** The window the gates judged: from the first full analysis window after the stage began. */
  windowStart: string;
  /** The stage's gates over its whole window (what advancing needs). */
  results: GateResult[];
  verdict: GateStatus;
  /** Subjects newly found far out of line (quarantined by the next tick). */
  outliers: Array<{ subject: string; reason: string }>;
  runner: RunnerState;
  action: GateAction;
}

export interface GateOptions {
  now?: number;
  /** The analysis window length the worker uses (lib/validation/window.ts). */
  windowMs?: number;
}

/** The first full analysis window after the stage began: a partial window mixes two stages' traffic. */
export function gateWindowStart(config: Pick<RolloutConfig, 'stageSince'>, now: number, windowMs = DEFAULT_WINDOW_MS): number {
  const began = Date.parse(config.stageSince);
  return Math.max(Math.ceil(began / windowMs) * windowMs, windowStartOf(now - GATE_LOOKBACK_MS, windowMs));
}

const fresh = (): RunnerState => ({ failures: 0, inconclusive: 0, paused: null, measuredUntil: null, chunkFrom: null, passingSince: null, breach: null });

async function loadRunnerState(pool: pg.Pool | pg.PoolClient, config: RolloutConfig): Promise<RunnerState & { analyzedUntil: number | null }> {
  const { rows } = await pool.query<{
    stage: string | null;
    stage_since: Date | null;
    measured_until: Date | null;
    chunk_from: Date | null;
    passing_since: Date | null;
    consecutive_failures: number;
    consecutive_inconclusive: number;
    paused_reason: string | null;
    paused_at: Date | null;
    breach_reason: string | null;
    breach_severe: boolean;
    analyzed_until: Date | null;
  }>(
    `select s.stage, s.stage_since, s.measured_until, s.chunk_from, s.passing_since, s.consecutive_failures, s.consecutive_inconclusive,
            s.paused_reason, s.paused_at, s.breach_reason, s.breach_severe,
            (select analyzed_until from public.validation_progress where id = 1) as analyzed_until
       from (select 1) one left join public.gate_runner_state s on s.id = 1`,
  );
  const row = rows[0];
  const analyzedUntil = row?.analyzed_until ? row.analyzed_until.getTime() : null;
  // A new stage (or a new start of the same one) starts from nothing.
  if (!row?.stage || !row.stage_since || row.stage !== config.stage || row.stage_since.getTime() !== Date.parse(config.stageSince)) return { ...fresh(), analyzedUntil };
  return {
    failures: row.consecutive_failures,
    inconclusive: row.consecutive_inconclusive,
    paused: row.paused_reason && row.paused_at ? { reason: row.paused_reason, at: row.paused_at.toISOString() } : null,
    measuredUntil: row.measured_until?.toISOString() ?? null,
    chunkFrom: row.chunk_from?.toISOString() ?? null,
    passingSince: row.passing_since?.toISOString() ?? null,
    breach: row.breach_reason ? { reason: row.breach_reason, severe: row.breach_severe } : null,
    analyzedUntil,
  };
}

const health = (results: GateResult[]) => results.filter((r) => r.gate !== 'quota-headroom');
const breachesOf = (results: GateResult[]) => health(results).filter((r) => r.status === 'fail');
const describeBreach = (breaches: GateResult[]) => breaches.map((r) => `${r.gate} ${r.value} (needs ${r.threshold})`).join('; ');

/**
 * One measurement judges the evidence analysed since the previous one — a stretch of its
 * own, never the same evidence twice — once it holds a full sample (≥ minCompared events
 * on the probe) or MAX_MEASUREMENT_WINDOWS windows. A failure extends the failure streak,
 * an inconclusive result the inconclusive one, a pass the run of passes; each ends the
 * others.
 */
async function measure(
  pool: pg.Pool,
  config: RolloutConfig,
  state: RunnerState,
  analyzedUntil: number | null,
  windowStart: number,
  windowMs: number,
): Promise<RunnerState> {
  const from = Math.max(state.chunkFrom ? Date.parse(state.chunkFrom) : windowStart, windowStart);
  if (analyzedUntil === null || analyzedUntil <= from) return state;
  // The lane of the strategy being rolled out, probe and browsers alike: another strategy's evidence neither passes nor fails it.
  const metrics = await loadStageMetrics(pool, { sinceMs: from, untilMs: analyzedUntil, strategy: stageStrategy(config) });
  const results = evaluateGates(metrics, config.plan, realtimeConnectionShare(nextStage(config.stage) ?? config.stage), {}, rolloutTarget(config));
  const probeCompared = metrics.subjects.filter((s) => s.trusted).reduce((sum, s) => sum + s.compared, 0);
  if (probeCompared < GATE_THRESHOLDS.minCompared && analyzedUntil - from < MAX_MEASUREMENT_WINDOWS * windowMs) return state;
  const breaches = isLiveStage(config.stage) ? breachesOf(results) : [];
  const verdict = overall(health(results));
  const until = new Date(analyzedUntil).toISOString();
  return {
    ...state,
    measuredUntil: until,
    chunkFrom: until,
    failures: breaches.length > 0 ? state.failures + 1 : 0,
    inconclusive: breaches.length === 0 && verdict === 'inconclusive' ? state.inconclusive + 1 : 0,
    // Soaking counts from the first window of passing evidence, not from when the stage began.
    passingSince: verdict === 'pass' ? (state.passingSince ?? new Date(metrics.evidenceFromMs ?? from).toISOString()) : null,
    breach: breaches.length > 0 ? { reason: describeBreach(breaches), severe: breaches.some((r) => r.severe) } : null,
  };
}

/** Gates for the current stage over its own window (never mixing data from earlier stages), and what the runner would do. */
export async function checkGates(pool: pg.Pool, options: GateOptions = {}): Promise<GateCheck & { nextRunner: RunnerState }> {
  const now = options.now ?? Date.now();
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  const config = await loadConfig(pool);
  const since = gateWindowStart(config, now, windowMs);
  const [metrics, stored] = await Promise.all([loadStageMetrics(pool, { sinceMs: since, strategy: stageStrategy(config) }), loadRunnerState(pool, config)]);
  const next = nextStage(config.stage);
  const results = evaluateGates(metrics, config.plan, realtimeConnectionShare(next ?? config.stage), {}, rolloutTarget(config));
  const verdict = overall(results);
  const outliers = newOutliers(metrics);
  const { analyzedUntil, ...runner } = stored;
  const nextRunner = await measure(pool, config, runner, analyzedUntil, since, windowMs);
  // Evidence is current when the last analysed window closed within a window, the grace and two ticks of now.
  const current = analyzedUntil !== null && now - analyzedUntil <= windowMs + GRACE_MS + REPORT_MS + 30_000;
  return { config, next, windowStart: new Date(since).toISOString(), results, verdict, outliers, runner, nextRunner, action: decide(config, next, verdict, nextRunner, current, now) };
}

const newOutliers = (metrics: StageMetrics) => findOutliers(metrics.subjects).filter((o) => !metrics.quarantined.includes(o.subject));

function decide(config: RolloutConfig, next: Stage | null, verdict: GateStatus, runner: RunnerState, current: boolean, now: number): GateAction {
  if (config.killSwitch) return { kind: 'none', note: 'kill switch on: nothing moves by itself' };
  if (runner.failures > 0 && runner.breach && isLiveStage(config.stage)) {
    if (runner.failures < FAILURE_LIMIT) return { kind: 'none', note: `breach ${runner.failures} of ${FAILURE_LIMIT}: acting only if it persists` };
    const to = runner.breach.severe ? 'legacy-only' : previousStage(config.stage);
    return { kind: 'rollback', to, reason: `automatic rollback: ${runner.breach.reason}; breach persisted over ${runner.failures} consecutive measurements` };
  }
  if (runner.paused) return { kind: 'none', note: `paused for a human since ${runner.paused.at}: ${runner.paused.reason}` };
  if (runner.inconclusive >= INCONCLUSIVE_LIMIT) {
    return { kind: 'pause', reason: `inconclusive for ${runner.inconclusive} consecutive measurements: neither rolling back nor advancing until someone looks` };
  }
  const soaked = runner.passingSince !== null && now - Date.parse(runner.passingSince) >= config.soakMinutes * 60_000;
  if (config.autoAdvance && verdict === 'pass' && soaked && current && next && next !== 'decommissioned') {
    return { kind: 'advance', to: next, reason: `automatic advance after ${config.soakMinutes} min of measurements that all passed` };
  }
  return { kind: 'none' };
}

async function saveRunnerState(client: pg.Pool | pg.PoolClient, config: RolloutConfig, state: RunnerState): Promise<void> {
  await client.query(
    `insert into public.gate_runner_state (id, stage, stage_since, measured_until, chunk_from, passing_since, consecutive_failures, consecutive_inconclusive, paused_reason, paused_at, breach_reason, breach_severe)
     values (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     on conflict (id) do update set stage = excluded.stage, stage_since = excluded.stage_since, measured_until = excluded.measured_until,
       chunk_from = excluded.chunk_from, passing_since = excluded.passing_since, consecutive_failures = excluded.consecutive_failures,
       consecutive_inconclusive = excluded.consecutive_inconclusive, paused_reason = excluded.paused_reason, paused_at = excluded.paused_at,
       breach_reason = excluded.breach_reason, breach_severe = excluded.breach_severe`,
    [config.stage, config.stageSince, state.measuredUntil, state.chunkFrom, state.passingSince, state.failures, state.inconclusive, state.paused?.reason ?? null, state.paused?.at ?? null, state.breach?.reason ?? null, state.breach?.severe ?? false],
  );
}

/** An admin looked: the runner may act again (and the inconclusive streak starts over). */
export async function resumeGateRunner(pool: pg.Pool): Promise<void> {
  await pool.query('update public.gate_runner_state set paused_reason = null, paused_at = null, consecutive_inconclusive = 0 where id = 1');
}

const LOCK = 'switchyard:gate-runner';

/**
 * One tick of the gate runner: measures, quarantines outliers, then rolls back, advances or
 * pauses (audited) if it must. One runner at a time (advisory lock): a second worker's tick
 * that finds it taken does nothing, so no measurement is counted twice or lost.
 */
export async function runGateTick(pool: pg.Pool, options: GateOptions = {}): Promise<GateCheck> {
  const client = await pool.connect();
  try {
    const lock = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1)) as locked', [LOCK]);
    if (!lock.rows[0]?.locked) {
      const check = await checkGates(pool, options);
      return { ...check, action: { kind: 'none', note: 'another gate runner is ticking' } };
    }
    try {
      return await tick(pool, client, options);
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', [LOCK]);
    }
  } finally {
    client.release();
  }
}

async function tick(pool: pg.Pool, client: pg.PoolClient, options: GateOptions): Promise<GateCheck> {
  const now = options.now ?? Date.now();
  const check = await checkGates(pool, { ...options, now });
  const { action, config } = check;
  for (const outlier of check.outliers) {
    // A subject an admin released is quarantined again only by evidence since the release (see findOutliers).
    await client.query(
      `insert into public.validation_quarantine (subject, reason) values ($1, $2)
       on conflict (subject) do update set since = now(), reason = excluded.reason, released_at = null, released_by = null`,
      [outlier.subject, outlier.reason],
    );
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
    await client.query(
      `insert into public.rollout_audit (actor_email, action, reason, automatic, from_version, to_version, before, after) values ($1, 'PAUSED (gates inconclusive)', $2, true, $3, $3, $4, $4)`,
      [RUNNER.email, action.reason.slice(0, 4_000), config.version, config],
    );
  }
  await saveRunnerState(client, config, state);
  return { ...check, runner: state };
}
