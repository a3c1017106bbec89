/**
 * Epoch milliseconds with sub-millisecond resolution. `performance.timeOrigin` is taken
 * from the system clock in µs when a process starts, so stamps from two processes on one
 * machine are comparable (the benches still measure the residual offset, see `child-rpc.ts`).
 */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves once `condition()` holds; false when `timeoutMs` passed first. */
export async function waitFor(condition: () => boolean, timeoutMs: number, pollMs = 10): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await sleep(pollMs);
  }
  return true;
}

export function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}
