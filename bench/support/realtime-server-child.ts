/**
 * Child process that runs the local Realtime server (with postgres_changes) alone, so it
 * has its own event loop and can be profiled with `--cpu-prof`. Driven by `server-process.ts`.
 */
import type { RealtimeLimits } from '../../servers/local-supabase/realtime/limits.js';
import { startRealtimeServer, type RealtimeServer } from '../../servers/local-supabase/realtime/start-realtime-server.js';
import { serveRpc } from './child-rpc.js';

let server: RealtimeServer | undefined;

serveRpc({
  async start(params: { jwtSecret: string; databaseUrl: string; limits?: Partial<RealtimeLimits> }) {
    server = await startRealtimeServer({ port: 0, jwtSecret: params.jwtSecret, databaseUrl: params.databaseUrl, limits: params.limits, onLog: (line) => process.stderr.write(`[realtime] ${line}\n`) });
    return { url: server.url };
  },
  stats: () => server?.realtime.stats(),
  async shutdown() {
    await server?.close();
  },
});
