// Test support: a route handler served over real HTTP on 127.0.0.1 (not a test file itself).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedRoute {
  /** `http://127.0.0.1:<port>`; every path reaches the handler. */
  origin: string;
  close(): Promise<void>;
}

/**
 * Serves `handler` (an App Router route handler, e.g. `POST` from a `route.ts`) on a
 * free port, for code under test that reaches the app over HTTP (the probe, middleware).
 */
export async function serveRoute(handler: (request: Request) => Promise<Response>): Promise<ServedRoute> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
      const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks);
      handler(new Request(`http://127.0.0.1${req.url ?? '/'}`, { method: req.method, headers, body }))
        .then(async (response) => {
          res.writeHead(response.status, Object.fromEntries(response.headers)).end(Buffer.from(await response.arrayBuffer()));
        })
        .catch((error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`serve-route: handler threw: ${String(error)}`);
        });
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections()),
  };
}
