import { createPool } from '../../lib/db/create-pool.js';
import { runRetention } from '../../lib/retention/run-retention.js';
import { periodicJob, type WorkerJob } from '../jobs.js';

/**
 * Trims rows past their retention period (lib/retention: bounded batches, round-robin, an
 * advisory lock so two workers never both delete), every `everyMs` (a minute by default).
 */
export function retentionJob(options: { databaseUrl: string; everyMs?: number; onLog?: (line: string) => void }): WorkerJob {
  const log = options.onLog ?? (() => undefined);
  return {
    name: 'retention',
    async start() {
      const pool = createPool({ connectionString: options.databaseUrl, max: 1 }, (error) => log(`retention: idle connection failed: ${error.message}`));
      const job = await periodicJob(
        'retention',
        options.everyMs ?? 60_000,
        async () => {
          const run = await runRetention(pool);
          if (!run) return null;
          const deleted = Object.entries(run.deleted).filter(([, n]) => n > 0);
          if (deleted.length === 0 && run.behind.length === 0) return null;
          return `deleted ${deleted.map(([table, n]) => `${n} ${table}`).join(', ') || 'nothing'}${run.behind.length ? `; continuing next run: ${run.behind.join(', ')}` : ''}`;
        },
        log,
      ).start();
      return {
        async close() {
          await job.close();
          await pool.end();
        },
      };
    },
  };
}
