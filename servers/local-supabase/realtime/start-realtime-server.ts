import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDatabaseBroadcast } from './database-broadcast/database-broadcast.js';
import type { RealtimeLimits } from './limits.js';
import { loadPostgresChanges } from './load-postgres-changes.js';
import type { Realtime } from './realtime.js';
import { createRealtime } from './realtime.js';

/** Options of {@link startRealtimeServer}. */
export interface RealtimeServerOptions {
  /** 0 picks a free port. */
  port: number;
  jwtSecret: string;
  /** Enables postgres_changes (`postgres-changes/`) and Broadcast from Database with `realtime.messages` policies (`database-broadcast/`). */
  databaseUrl?: string;
  limits?: Partial<RealtimeLimits>;
  onLog?: (line: string) => void;
}

export interface RealtimeServer {
  port: number;
  /** `http://127.0.0.1:<port>` — pass it to `createClient` as the Supabase URL. */
  url: string;
  realtime: Realtime;
  close(): Promise<void>;
}

/** Standalone HTTP server on 127.0.0.1 that mounts {@link createRealtime} (nothing else). */
export async function startRealtimeServer(options: RealtimeServerOptions): Promise<RealtimeServer> {
  const postgresChanges = options.databaseUrl ? await loadPostgresChanges(options.databaseUrl, options.onLog) : undefined;
  const database = options.databaseUrl ? await createDatabaseBroadcast({ databaseUrl: options.databaseUrl, onLog: options.onLog }) : undefined;
  // Listen only once the slot exists: every message committed after start-up is then delivered.
  await database?.ready;
  const realtime = createRealtime({ jwtSecret: options.jwtSecret, postgresChanges, database, limits: options.limits, onLog: options.onLog });
  const server = http.createServer((req, res) => {
    realtime.handleHttp(req, res).then(
      (handled) => {
        if (handled) return;
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Not Found' }));
      },
      (error: unknown) => {
        options.onLog?.(`realtime: request failed: ${String(error)}`);
        res.destroy();
      },
    );
  });
  server.on('upgrade', (req, socket, head) => {
    if (!realtime.handleUpgrade(req, socket, head)) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`realtime: cannot listen on 127.0.0.1:${options.port}`, { cause: error })));
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    realtime,
    close: async () => {
      await realtime.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await postgresChanges?.close();
      await database?.close();
    },
  };
}
