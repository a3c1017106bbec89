import WebSocket from 'ws';

export interface UpgradeOutcome {
  /** 101 when the upgrade was accepted, else the HTTP status of the refusal. */
  status: number;
  body: string;
  contentType?: string;
}

/** Attempts a bare WebSocket upgrade (no client library) and reports how the server answered. */
export function rawUpgrade(url: string, timeoutMs = 5_000): Promise<UpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`conformance: no answer to the upgrade of ${url} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('open', () => {
      clearTimeout(timer);
      socket.close();
      resolve({ status: 101, body: '' });
    });
    socket.on('unexpected-response', (request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        clearTimeout(timer);
        request.destroy();
        resolve({
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          ...(response.headers['content-type'] ? { contentType: response.headers['content-type'] } : {}),
        });
      });
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`conformance: upgrade of ${url} failed at the socket level`, { cause: error }));
    });
  });
}
