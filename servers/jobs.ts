/**
 * What the worker runs while it leads: a list of jobs, each started once and closed on
 * shutdown or when leadership is lost. Long-running ones (the probe) implement `start`
 * themselves; periodic ones (analysis + gates, the rate-limit sweep, retention) come from
 * `periodicJob`. Adding a duty to the worker is adding an entry to its list.
 */
export interface WorkerJob {
  name: string;
  start(): Promise<RunningJob>;
}

export interface RunningJob {
  /** Stops the job; resolves once its current run (if any) has finished. */
  close(): Promise<void>;
}

/**
 * Runs `run` every `intervalMs`, never two runs at once (a slow run delays the next one).
 * A failed run is logged and the next one tries again: Postgres restarts and the like are
 * weather, not a reason to stop. `run` may return a line worth logging.
 */
export function periodicJob(name: string, intervalMs: number, run: () => Promise<string | null | void>, log: (line: string) => void = () => undefined): WorkerJob {
  return {
    name,
    async start() {
      let running: Promise<void> | null = null;
      const tick = () => {
        running ??= run()
          .then(
            (line) => {
              if (line) log(`${name}: ${line}`);
            },
            (error: unknown) => log(`${name}: run failed: ${error instanceof Error ? error.message : String(error)}`),
          )
          .finally(() => {
            running = null;
          });
      };
      const timer = setInterval(tick, intervalMs);
      return {
        async close() {
          clearInterval(timer);
          await running;
        },
      };
    },
  };
}

/** Starts `jobs` in order; the returned close stops them in reverse. A job that fails to start stops those already started. */
export async function startJobs(jobs: WorkerJob[], log: (line: string) => void = () => undefined): Promise<RunningJob> {
  const started: Array<{ name: string; job: RunningJob }> = [];
  const close = async () => {
    for (const { name, job } of started.reverse()) {
      await job.close().catch((error: unknown) => log(`${name}: stop failed: ${error instanceof Error ? error.message : String(error)}`));
    }
  };
  try {
    for (const job of jobs) {
      started.push({ name: job.name, job: await job.start() });
      log(`${job.name}: started`);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { close };
}
