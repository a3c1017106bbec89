/**
 * Request/response over the IPC channel of a forked benchmark process, so a bench can
 * put servers or clients on the other core and still drive them step by step.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { performance as nodePerformance, PerformanceObserver } from 'node:perf_hooks';
import { epochMs } from './clock.js';

type Handler = (params: never) => unknown;
const eventLoopUtilization = () => nodePerformance.eventLoopUtilization();
interface Request { rpc: number; method: string; params?: unknown }
interface Response { rpc: number; result?: unknown; error?: string }

export interface ChildRpc {
  child: ChildProcess;
  call<T>(method: string, params?: unknown): Promise<T>;
  /** Asks the child to finish (its `shutdown` handler, if any), then waits for it to exit; kills it after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

export function forkChild(modulePath: string, options: { execArgv?: string[]; env?: NodeJS.ProcessEnv } = {}): ChildRpc {
  const child = fork(modulePath, [], { execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])], env: options.env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; method: string }>();
  let next = 1;
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    exited = true;
    for (const waiter of pending.values()) waiter.reject(new Error(`bench: child exited (${code ?? signal}) during ${waiter.method}`));
    pending.clear();
    resolve();
  }));
  child.on('message', (message: Response) => {
    const waiter = pending.get(message.rpc);
    if (!waiter) return;
    pending.delete(message.rpc);
    if (message.error !== undefined) waiter.reject(new Error(`bench: child ${waiter.method} failed: ${message.error}`));
    else waiter.resolve(message.result);
  });
  return {
    child,
    call<T>(method: string, params?: unknown) {
      if (exited) return Promise.reject(new Error(`bench: child already exited (${method})`));
      const rpc = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(rpc, { resolve: resolve as (value: unknown) => void, reject, method });
        child.send({ rpc, method, params } satisfies Request);
      });
    },
    async stop(timeoutMs = 10_000) {
      if (exited) return;
      child.send({ rpc: 0, method: 'shutdown' } satisfies Request);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}

/** What every child reports about itself (built-in method `self`). */
export interface ProcessSample {
  cpu: NodeJS.CpuUsage;
  loop: LoopSample;
  /** Resident set size, bytes. */
  rss: number;
  heapUsed: number;
  /** Memory of ArrayBuffers (Buffers) outside the V8 heap. */
  arrayBuffers: number;
  /** Time spent in garbage collection so far, ms (PerformanceObserver `gc` entries). */
  gcMs: number;
}

/**
 * In the child: answers calls with `handlers`; `now` (its clock), `loop` (event-loop
 * utilization so far), `self` (a {@link ProcessSample}) and `shutdown` (then exit) are built in.
 */
export function serveRpc(handlers: Record<string, Handler>): void {
  let gcMs = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  }).observe({ entryTypes: ['gc'] });
  const self = (): ProcessSample => {
    const memory = process.memoryUsage();
    return { cpu: process.cpuUsage(), loop: eventLoopUtilization(), rss: memory.rss, heapUsed: memory.heapUsed, arrayBuffers: memory.arrayBuffers, gcMs };
  };
  process.on('message', (message: Request) => {
    if (message.method === 'shutdown') {
      Promise.resolve(handlers.shutdown?.(undefined as never)).finally(() => process.exit(0));
      return;
    }
    const builtIn: Record<string, Handler> = { now: () => epochMs(), loop: () => eventLoopUtilization(), self };
    const handler = builtIn[message.method] ?? handlers[message.method];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown method ${message.method}`);
        return handler(message.params as never);
      })
      .then(
        (result) => process.send?.({ rpc: message.rpc, result } satisfies Response),
        (error: unknown) => process.send?.({ rpc: message.rpc, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies Response),
      );
  });
  process.once('disconnect', () => process.exit(0));
}

/** Child clock − this clock in ms, from the round trip with the smallest RTT (± rtt/2). */
export async function clockOffset(rpc: ChildRpc, rounds = 30): Promise<{ offsetMs: number; rttMs: number }> {
  let best = { offsetMs: 0, rttMs: Number.POSITIVE_INFINITY };
  for (let round = 0; round < rounds; round += 1) {
    const sent = epochMs();
    const childNow = await rpc.call<number>('now');
    const back = epochMs();
    if (back - sent < best.rttMs) best = { offsetMs: childNow - (sent + back) / 2, rttMs: back - sent };
  }
  return best;
}

export interface LoopSample {
  idle: number;
  active: number;
}

/** Share of wall time a child's event loop was busy between two `loop` samples (busy but descheduled counts as busy). */
export function loopBusy(before: LoopSample, after: LoopSample): number {
  const active = after.active - before.active;
  const total = active + after.idle - before.idle;
  return total > 0 ? active / total : Number.NaN;
}
