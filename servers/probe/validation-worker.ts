import type pg from 'pg';
import { createPool } from '../../lib/db/create-pool.js';
import { runGateTick } from '../../lib/migration/gate-runner.js';
import { analyzeClosedMinutes } from '../../lib/validation/store/window-analysis.js';
import { periodicJob, type WorkerJob } from '../jobs.js';

export interface ValidationJobOptions {
  databaseUrl: string;
  /** How often to analyse and run the gates (15 s by default). */
  intervalMs?: number;
  /** The analysis window length; the app must use the same (VALIDATION_WINDOW_SECONDS). */
  windowMs?: number;
  onLog?: (line: string) => void;
}

/**
 * Every `intervalMs`: analyse the minutes whose grace has passed, then run the migration
 * gates (automatic rollback on a breach during a live stage, optional auto-advance).
 * Safe beside other workers even without the worker's leader lease: the analysis and the
 * gate runner each take an advisory lock and config changes are version-checked.
 */
export function validationJob(options: ValidationJobOptions): WorkerJob {
  const log = options.onLog ?? (() => undefined);
  return {
    name: 'validation',
    async start() {
      const pool = createPool({ connectionString: options.databaseUrl, max: 3 }, (error) => log(`validation: idle connection failed: ${error.message}`));
      const job = await periodicJob('validation', options.intervalMs ?? 15_000, () => validationTick(pool, options.windowMs), log).start();
      return {
        async close() {
          await job.close();
          await pool.end();
        },
      };
    },
  };
}

/** One analysis + gate tick; returns a line when something happened. */
async function validationTick(pool: pg.Pool, windowMs: number | undefined): Promise<string | null> {
  const { minutes } = await analyzeClosedMinutes(pool, { windowMs });
  const check = await runGateTick(pool, { windowMs });
  if (minutes === 0 && check.action.kind === 'none') return null;
  const action = check.action.kind === 'none' ? (check.action.note ? `; ${check.action.note}` : '') : `; ${check.action.kind}${'to' in check.action ? ` → ${check.action.to}` : ''}: ${check.action.reason}`;
  return `${minutes} window(s) analysed; stage ${check.config.stage}, gates ${check.verdict}${action}`;
}
