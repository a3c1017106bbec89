import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { assertPortFree } from '../port.js';

/** A surface of the local Supabase API (Auth, Realtime, …) mounted on one port. */
export interface ApiModule {
  name: string;
  /** Handles the request and returns true when the path is its own. */
  handleHttp(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Takes a WebSocket upgrade and returns true when the path is its own. */
  handleUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): Promise<void>;
}

export interface RunningApi {
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * The local stand-in for the Supabase API gateway (`supabase start` serves the same
 * port): routes `/auth/v1/*`, `/realtime/v1/*` and friends to their modules, on 127.0.0.1.
 */
export async function startApiServer(options: { port: number; modules: ApiModule[]; onLog?: (line: string) => void }): Promise<RunningApi> {
  await assertPortFree(options.port, 'local Supabase API');
  const server = http.createServer((req, res) => {
    void route(options.modules, req, res).catch((error: unknown) => {
      options.onLog?.(`[api] ${req.method} ${req.url} failed: ${error instanceof Error ? error.stack : String(error)}`);
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal server error' });
      else res.destroy();
    });
  });
  server.on('upgrade', (req, socket, head) => {
    if (!options.modules.some((mod) => mod.handleUpgrade?.(req, socket, head))) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"message":"no route"}');
    }
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const mod of [...options.modules].reverse()) await mod.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function route(modules: ApiModule[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  for (const mod of modules) {
    if (await mod.handleHttp(req, res)) return;
  }
  sendJson(res, 404, { message: 'no Route matched with those values' });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
