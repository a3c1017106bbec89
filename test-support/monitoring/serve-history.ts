import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MemoryHistory } from '@/test-support/monitoring/memory-history';

/** Serves a {@link MemoryHistory} over real HTTP on 127.0.0.1 (port 0) for integration tests. */
export async function serveHistory(history: MemoryHistory): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    history.fetch(request.url ?? '/').then(
      async (answer) => {
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(await answer.text());
      },
      (error: unknown) => {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { code: 'internal', message: String(error) } }));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/monitoring/events`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
