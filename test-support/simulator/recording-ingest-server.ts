import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface CannedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * A stand-in for the far side of `POST /api/ingest` in runner tests: a real HTTP server on
 * port 0 that records every request and answers what `respond` says (200 with ids by default).
 */
export interface RecordingIngestServer {
  url: string;
  requests: RecordedRequest[];
  /** Resolves once `n` requests have arrived (rejects after `timeoutMs`). */
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startRecordingIngestServer(respond: (request: RecordedRequest, index: number) => CannedResponse = acknowledge): Promise<RecordingIngestServer> {
  const requests: RecordedRequest[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const recorded: RecordedRequest = { method: req.method ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
    requests.push(recorded);
    const answer = respond(recorded, requests.length - 1);
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.body ?? (answer.status === 200 ? acknowledge(recorded).body : { error: { code: 'test', message: `status ${answer.status}` } })));
    for (const waiter of waiters.filter((w) => requests.length >= w.n)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/ingest`,
    requests,
    waitForRequests(n, timeoutMs = 10_000) {
      if (requests.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`recording-ingest-server: ${requests.length} of ${n} requests after ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

let nextId = 1;
function acknowledge(request: RecordedRequest): CannedResponse {
  const body = request.body as { metrics?: Array<{ event_id: string }>; events?: Array<{ event_id: string }> };
  const ids = (items: Array<{ event_id: string }> = []) => items.map((item) => ({ event_id: item.event_id, id: nextId++ }));
  return { status: 200, body: { metrics: ids(body.metrics), events: ids(body.events) } };
}
