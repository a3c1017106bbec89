import http from 'node:http';
import { createPool } from '../../lib/db/create-pool.js';
import { assertPortFree } from '../../servers/port.js';
import { createAuth, type AuthOptions } from '../../servers/local-supabase/auth/auth.js';

export interface RunningAuthServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * The Auth module alone on 127.0.0.1:port (0 = any free port), with its own pool: for tests
 * and tools. The stack mounts `createAuth` on the shared API port instead.
 */
export async function startAuthServer(
  options: { port: number; databaseUrl: string } & Omit<AuthOptions, 'pool'>,
): Promise<RunningAuthServer> {
  await assertPortFree(options.port, 'local Auth');
  const { port: requestedPort, databaseUrl, ...authOptions } = options;
  const pool = createPool({ connectionString: databaseUrl, max: 4 }, (error) => options.onLog?.(`[auth] idle database connection failed: ${error.message}`));
  const auth = createAuth({ ...authOptions, pool });
  const server = http.createServer((req, res) => {
    void auth.handle(req, res).then(
      (handled) => {
        if (!handled) res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"no Route matched with those values"}');
      },
      (error: unknown) => {
        options.onLog?.(`[auth] ${req.method} ${req.url} failed: ${String(error)}`);
        res.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(requestedPort, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : requestedPort;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await auth.close();
      await pool.end();
    },
  };
}
