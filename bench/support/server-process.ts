import { fileURLToPath } from 'node:url';
import type { RealtimeLimits } from '../../servers/local-supabase/realtime/limits.js';
import { forkChild, type ChildRpc, type ProcessSample } from './child-rpc.js';

/** Limits for benchmarks: a thousand sockets joining at once are the point, not a quota breach. */
// The rigs open hundreds of subscribers at once (private channels too): a join storm no real deployment starts with, so the join-rate and concurrent-authorization caps are lifted.
export const BENCH_REALTIME_LIMITS: Partial<RealtimeLimits> = { maxConcurrentUsers: 10_000, maxJoinsPerSecond: 10_000, maxConcurrentAuthorizations: 1_000 };

/** A server (local Realtime or the legacy feed) alone in its own Node process. */
export interface ServerProcess {
  kind: 'realtime' | 'legacy';
  /** realtime: the http base URL; legacy: the feed's ws URL. */
  url: string;
  /** legacy only: the internal publish endpoint. */
  publishUrl?: string;
  pid: number;
  rpc: ChildRpc;
  sample(): Promise<ProcessSample>;
  close(): Promise<void>;
}

const profileArgs = (dir: string | undefined) => (dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []);

async function spawn(kind: ServerProcess['kind'], child: string, params: unknown, cpuProfDir: string | undefined): Promise<ServerProcess> {
  const rpc = forkChild(fileURLToPath(new URL(child, import.meta.url)), { execArgv: profileArgs(cpuProfDir) });
  try {
    const { url, publishUrl } = await rpc.call<{ url: string; publishUrl?: string }>('start', params);
    return { kind, url, publishUrl, pid: rpc.child.pid ?? -1, rpc, sample: () => rpc.call<ProcessSample>('self'), close: () => rpc.stop() };
  } catch (error) {
    await rpc.stop();
    throw new Error(`bench: the ${kind} server process did not start`, { cause: error });
  }
}

/** The local Realtime server (postgres_changes on `databaseUrl`) in its own process. */
export function spawnRealtimeServer(options: { jwtSecret: string; databaseUrl: string; limits?: Partial<RealtimeLimits>; cpuProfDir?: string }): Promise<ServerProcess> {
  const limits = { ...BENCH_REALTIME_LIMITS, ...options.limits };
  return spawn('realtime', './realtime-server-child.ts', { jwtSecret: options.jwtSecret, databaseUrl: options.databaseUrl, limits }, options.cpuProfDir);
}

/** The legacy WebSocket feed in its own process. */
export function spawnLegacyServer(options: { jwtSecret: string; publishKey: string; cpuProfDir?: string }): Promise<ServerProcess> {
  return spawn('legacy', './legacy-server-child.ts', { jwtSecret: options.jwtSecret, publishKey: options.publishKey }, options.cpuProfDir);
}
