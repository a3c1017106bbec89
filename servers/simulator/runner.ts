import { randomUUID } from 'node:crypto';
import { abortableSleep } from './abortable-sleep.js';
import { toBatches } from './batches.js';
import { createIngestClient } from './ingest-client.js';
import { defaultRetryPolicy, type RetryPolicy } from './retry-policy.js';
import { createSimulator, type SimulatorOptions } from './simulator.js';

export interface SimulatorRunnerOptions {
  ingestUrl: string;
  ingestKey: string;
  /** Target rows per second (see `planLayout`). */
  rate: number;
  seed: number;
  /** Pace simulated time to the wall clock (each window is sent when its time has come); otherwise run flat out. */
  realtime: boolean;
  onLog?: (line: string) => void;
  /** Stop after this many simulated seconds; run until `close()` when absent. */
  durationSeconds?: number;
  /** Salt for event ids, so reruns with the same seed are not deduplicated away by the ingest API. Default: random. */
  runId?: string;
  retry?: Partial<RetryPolicy>;
  /** Progress line every this many simulated seconds (default 10). */
  logEverySeconds?: number;
  /** Workload overrides (caches, origin, scenario, thresholds, source). */
  simulator?: Omit<SimulatorOptions, 'seed' | 'rate' | 'idSalt'>;
}

export interface RunnerStats {
  seconds: number;
  metricsSent: number;
  eventsSent: number;
  batches: number;
  retries: number;
  failedBatches: number;
  droppedItems: number;
  /** How far behind the wall clock the last window went out (realtime only). */
  lagMs: number;
  rowsPerSecond: number;
  lastError: string | null;
}

/** A running simulator feeding the ingest API. `done` settles when the duration is reached or `close()` is called; it rejects when the API refuses the payload or the key. */
export interface SimulatorRunner {
  stats(): RunnerStats;
  close(): Promise<RunnerStats>;
  done: Promise<RunnerStats>;
}

export function startSimulator(options: SimulatorRunnerOptions): SimulatorRunner {
  const log = options.onLog ?? (() => {});
  const sim = createSimulator({ ...options.simulator, seed: options.seed, rate: options.rate, idSalt: options.runId ?? randomUUID() });
  const stop = new AbortController();
  const s: RunnerStats = { seconds: 0, metricsSent: 0, eventsSent: 0, batches: 0, retries: 0, failedBatches: 0, droppedItems: 0, lagMs: 0, rowsPerSecond: 0, lastError: null };
  const client = createIngestClient({
    url: options.ingestUrl,
    key: options.ingestKey,
    retry: { ...defaultRetryPolicy, ...options.retry },
    onRetry: ({ attempt, delayMs, reason }) => {
      s.retries += 1;
      log(`simulator: ingest answered ${reason}; retry ${attempt} in ${delayMs} ms`);
    },
  });
  const started = performance.now();
  const logEvery = options.logEverySeconds ?? 10;
  const snapshot = (): RunnerStats => {
    const elapsed = (performance.now() - started) / 1000;
    return { ...s, rowsPerSecond: elapsed > 0 ? Math.round(((s.metricsSent + s.eventsSent) / elapsed) * 10) / 10 : 0 };
  };
  log(`simulator: seed ${options.seed}, ${sim.layout.nodesPerCache} shard(s) per cache × ${sim.layout.windowsPerSecond} window(s)/s = ${sim.layout.metricsPerSecond} metrics/s${options.realtime ? '' : ', as fast as the API takes them'} → ${options.ingestUrl}`);

  const run = async (): Promise<RunnerStats> => {
    while (!stop.signal.aborted && (options.durationSeconds === undefined || s.seconds < options.durationSeconds)) {
      const second = sim.step();
      for (const window of second.windows) {
        if (options.realtime) {
          const due = started + (second.second - 1) * 1000 + window.offsetMs;
          const wait = due - performance.now();
          s.lagMs = Math.max(0, Math.round(-wait));
          if (!(await abortableSleep(wait, stop.signal))) return snapshot();
        }
        for (const batch of toBatches(window.metrics, window.events)) {
          const outcome = await client.send(batch, stop.signal);
          s.batches += 1;
          if (outcome.ok) {
            s.metricsSent += batch.metrics.length;
            s.eventsSent += batch.events.length;
            continue;
          }
          s.lastError = `${outcome.status ?? 'network'} ${outcome.code}: ${outcome.message}`;
          if (!outcome.retryable && outcome.status !== null) {
            throw new Error(`simulator: the ingest API refused a batch (${s.lastError}); stopping`);
          }
          s.failedBatches += 1;
          s.droppedItems += outcome.items;
          if (!stop.signal.aborted) log(`simulator: dropped a batch of ${outcome.items} after ${outcome.attempts} attempt(s): ${s.lastError}`);
        }
      }
      s.seconds = second.second;
      if (s.seconds % logEvery === 0) log(progressLine(snapshot(), options.realtime));
    }
    return snapshot();
  };
  const done = run();
  // The caller may only ever look at `close()`; keep an early refusal from surfacing as an unhandled rejection.
  done.catch(() => {});
  return {
    stats: snapshot,
    async close() {
      stop.abort();
      return done.catch(() => snapshot());
    },
    done,
  };
}

function progressLine(s: RunnerStats, realtime: boolean): string {
  const parts = [
    `simulator · ${s.seconds} s`,
    `${s.rowsPerSecond} rows/s`,
    `${s.metricsSent} metrics + ${s.eventsSent} events in ${s.batches} batches`,
    `${s.retries} retries`,
    `${s.failedBatches} failed`,
  ];
  if (realtime) parts.push(`lag ${s.lagMs} ms`);
  return parts.join(' · ');
}
