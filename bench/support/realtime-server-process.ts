import { fileURLToPath } from 'node:url';
import type { RealtimeLimits } from '../../servers/local-supabase/realtime/limits.js';
import { forkChild, type ChildRpc } from './child-rpc.js';

/** Limits for benchmarks: hundreds of sockets joining at once are the point, not a quota breach. */
export const BENCH_REALTIME_LIMITS: Partial<RealtimeLimits> = { maxConcurrentUsers: 10_000, maxJoinsPerSecond: 10_000 };

export interface RealtimeServerProcess {
  url: string;
  pid: number;
  rpc: ChildRpc;
  /** CPU time of the server process so far. */
  cpu(): Promise<NodeJS.CpuUsage>;
  close(): Promise<void>;
}

/** Starts the local Realtime server (postgres_changes on `databaseUrl`) in its own Node process. */
export async function spawnRealtimeServer(options: { jwtSecret: string; databaseUrl: string; limits?: Partial<RealtimeLimits>; cpuProfDir?: string }): Promise<RealtimeServerProcess> {
  const execArgv = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
  const rpc = forkChild(fileURLToPath(new URL('./realtime-server-child.ts', import.meta.url)), { execArgv });
  try {
    const { url } = await rpc.call<{ url: string }>('start', { jwtSecret: options.jwtSecret, databaseUrl: options.databaseUrl, limits: { ...BENCH_REALTIME_LIMITS, ...options.limits } });
    return { url, pid: rpc.child.pid ?? -1, rpc, cpu: () => rpc.call<NodeJS.CpuUsage>('cpu'), close: () => rpc.stop() };
  } catch (error) {
    await rpc.stop();
    throw new Error('bench: the Realtime server process did not start', { cause: error });
  }
}
