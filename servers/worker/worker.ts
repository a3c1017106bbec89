import { createPool } from '../../lib/db/create-pool.js';
import { sweepRateLimitBuckets } from '../../lib/api/shared-rate-limiter.js';
import { periodicJob, startJobs, type WorkerJob } from '../jobs.js';
import { startProbe, type ProbeOptions } from '../probe/probe.js';
import { validationJob } from '../probe/validation-worker.js';
import { retentionJob } from './retention-job.js';
import { startLeaderLease, type LeaderLease, type LeaseState } from './leader-lease.js';

export interface WorkerOptions {
  databaseUrl: string;
  /** The probe's settings (Supabase URL and keys, legacy feed, the app's samples API). */
  probe: Omit<ProbeOptions, 'onLog'>;
  windowMs: number;
  tickMs: number;
  /** Lease timings (tests shorten them); see leader-lease.ts. */
  lease?: { retryMs?: number; checkMs?: number; reclaimMs?: number };
  onLog?: (line: string) => void;
}

export interface Worker {
  state(): LeaseState;
  /** Settles after the first attempt to lead (and, when it leads, once its jobs started). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * The jobs of `npm run worker`, in start order. Everything here runs on one worker at a
 * time (the leader); add a duty by adding an entry.
 */
export function workerJobs(options: WorkerOptions): WorkerJob[] {
  const log = options.onLog ?? (() => undefined);
  return [
    { name: 'probe', start: () => startProbe({ ...options.probe, onLog: (line) => log(`[probe] ${line}`) }) },
    validationJob({ databaseUrl: options.databaseUrl, windowMs: options.windowMs, intervalMs: options.tickMs, onLog: (line) => log(`[validation] ${line}`) }),
    retentionJob({ databaseUrl: options.databaseUrl, onLog: (line) => log(`[retention] ${line}`) }),
    rateLimitSweep(options.databaseUrl, log),
  ];
}

/** Buckets idle for 10 min are full again: deleting them keeps the table at the size of the active callers. */
function rateLimitSweep(databaseUrl: string, log: (line: string) => void): WorkerJob {
  return {
    name: 'rate-limit sweep',
    async start() {
      const pool = createPool({ connectionString: databaseUrl, max: 1 }, (error) => log(`[rate-limit sweep] idle connection failed: ${error.message}`));
      const job = await periodicJob('rate-limit sweep', 5 * 60_000, async () => {
        const swept = await sweepRateLimitBuckets(pool);
        return swept > 0 ? `${swept} idle bucket(s) removed` : null;
      }, (line) => log(`[worker] ${line}`)).start();
      return {
        async close() {
          await job.close();
          await pool.end();
        },
      };
    },
  };
}

/** A worker: takes part in the leader election and runs `workerJobs` while it leads. */
export function startWorker(options: WorkerOptions, jobs: WorkerJob[] = workerJobs(options)): Worker {
  const log = options.onLog ?? (() => undefined);
  const lease: LeaderLease = startLeaderLease({
    databaseUrl: options.databaseUrl,
    ...options.lease,
    onState: (state, detail) => log(`[worker] ${state}: ${detail}`),
    async lead() {
      const running = await startJobs(jobs, (line) => log(`[worker] ${line}`));
      return () => running.close();
    },
  });
  return { state: lease.state, ready: lease.ready, close: () => lease.close() };
}
