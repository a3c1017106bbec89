import { afterEach, describe, expect, it, vi } from 'vitest';
import { periodicJob, startJobs, type WorkerJob } from './jobs.js';

afterEach(() => {
  vi.useRealTimers();
});

const recorded = (name: string, events: string[], fail = false): WorkerJob => ({
  name,
  async start() {
    if (fail) throw new Error(`${name} cannot start`);
    events.push(`start ${name}`);
    return {
      async close() {
        events.push(`close ${name}`);
      },
    };
  },
});

describe('worker jobs', () => {
  it('starts the list in order and stops it in reverse', async () => {
    const events: string[] = [];
    const running = await startJobs([recorded('probe', events), recorded('validation', events), recorded('retention', events)]);
    await running.close();
    expect(events).toEqual(['start probe', 'start validation', 'start retention', 'close retention', 'close validation', 'close probe']);
  });

  it('stops the jobs already started when one fails to start', async () => {
    const events: string[] = [];
    await expect(startJobs([recorded('probe', events), recorded('validation', events, true), recorded('sweep', events)])).rejects.toThrow('validation cannot start');
    expect(events).toEqual(['start probe', 'close probe']);
  });

  it('runs a periodic job without overlapping runs, logs a failed run and carries on', async () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    let runs = 0;
    let release: (() => void) | null = null;
    const job = periodicJob(
      'sweep',
      1_000,
      async () => {
        runs += 1;
        if (runs === 1) throw new Error('database restarting');
        if (runs === 2) await new Promise<void>((resolve) => (release = resolve));
        return `run ${runs}`;
      },
      (line) => lines.push(line),
    );
    const running = await job.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(lines).toEqual(['sweep: run failed: database restarting']);
    await vi.advanceTimersByTimeAsync(1_000);
    // Run 2 hangs: further ticks do not start a third run beside it.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runs).toBe(2);
    release!();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(lines.slice(1)).toEqual(['sweep: run 2', 'sweep: run 3']);
    await running.close();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runs).toBe(3);
  });
});
