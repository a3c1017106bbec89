import { createPool } from '../../lib/db/create-pool.js';
import { runGateTick } from '../../lib/migration/gate-runner.js';
import { runRetention } from '../../lib/retention/run-retention.js';
import { analyzeClosedMinutes } from '../../lib/validation/store/window-analysis.js';

export interface ValidationWorker {
  close(): Promise<void>;
}

/**
 * Every `intervalMs`: analyse the minutes whose grace has passed, then run the migration
 * gates (automatic rollback on a breach during a live stage, optional auto-advance), and
 * every `retentionEveryMs` (a minute) trim old rows (lib/retention, bounded batches).
 * Safe beside other workers: the analysis and retention take advisory locks and config
 * changes are version-checked.
 */
export function startValidationWorker(options: { databaseUrl: string; intervalMs?: number; windowMs?: number; retentionEveryMs?: number; onLog?: (line: string) => void }): ValidationWorker {
  const pool = createPool({ connectionString: options.databaseUrl, max: 3 }, (error) => options.onLog?.(`validation: idle connection failed: ${error.message}`));
  let running: Promise<void> | null = null;
  let retainedAt = 0;
  const retain = async () => {
    if (Date.now() - retainedAt < (options.retentionEveryMs ?? 60_000)) return;
    retainedAt = Date.now();
    const run = await runRetention(pool);
    const deleted = Object.entries(run?.deleted ?? {}).filter(([, n]) => n > 0);
    if (deleted.length > 0 || (run?.behind.length ?? 0) > 0) {
      options.onLog?.(`retention: deleted ${deleted.map(([table, n]) => `${n} ${table}`).join(', ') || 'nothing'}${run?.behind.length ? `; continuing next tick: ${run.behind.join(', ')}` : ''}`);
    }
  };
  const tick = async () => {
    try {
      const { minutes } = await analyzeClosedMinutes(pool, { windowMs: options.windowMs });
      const check = await runGateTick(pool, { windowMs: options.windowMs });
      if (minutes > 0 || check.action.kind !== 'none') {
        options.onLog?.(`validation: ${minutes} window(s) analysed; stage ${check.config.stage}, gates ${check.verdict}${check.action.kind === 'none' ? (check.action.note ? `; ${check.action.note}` : '') : `; ${check.action.kind}${'to' in check.action ? ` → ${check.action.to}` : ''}: ${check.action.reason}`}`);
      }
    } catch (error) {
      options.onLog?.(`validation: tick failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    try {
      await retain();
    } catch (error) {
      options.onLog?.(`retention: run failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const timer = setInterval(() => {
    running ??= tick().finally(() => {
      running = null;
    });
  }, options.intervalMs ?? 15_000);
  return {
    async close() {
      clearInterval(timer);
      await running;
      await pool.end();
    },
  };
}
