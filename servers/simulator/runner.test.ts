import { afterEach, describe, expect, it } from 'vitest';
import type { CacheSpec } from './cache-spec.js';
import { startSimulator, type SimulatorRunnerOptions } from './runner.js';
import { noScenario } from './scenario.js';
import { startRecordingIngestServer, type CannedResponse, type RecordedRequest, type RecordingIngestServer } from '../../test-support/simulator/recording-ingest-server.js';
import { ingestBody } from '../../test-support/simulator/wire-constraints.js';
import type { IngestBatch } from './wire.js';

const KEY = 'test-ingest-key';
const tiny: CacheSpec[] = ['a', 'b', 'c'].map((name) => ({ name, capacityBytes: 16 * 1024, keySpace: 400, zipfExponent: 1, opsPerSecond: 100, valueBytes: { min: 100, max: 300 } }));
const servers: RecordingIngestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(respond?: (request: RecordedRequest, index: number) => CannedResponse) {
  const server = await startRecordingIngestServer(respond);
  servers.push(server);
  return server;
}
const options = (server: RecordingIngestServer, extra: Partial<SimulatorRunnerOptions> = {}): SimulatorRunnerOptions => ({
  ingestUrl: server.url,
  ingestKey: KEY,
  rate: 20,
  seed: 42,
  realtime: false,
  durationSeconds: 3,
  retry: { baseMs: 1, maxMs: 5 },
  ...extra,
});
const bodies = (server: RecordingIngestServer) => server.requests.map((r) => r.body as IngestBatch);
const size = (b: IngestBatch) => b.metrics.length + b.events.length;

describe('simulator runner', () => {
  it('posts every row with the bearer key, in batches of at most 1,000 valid items', async () => {
    const server = await serve();
    const stats = await startSimulator(options(server, { rate: 12_000, durationSeconds: 1, simulator: { caches: tiny, scenario: noScenario } })).done;
    expect(server.requests.length).toBeGreaterThan(10);
    for (const request of server.requests) {
      expect(request.method).toBe('POST');
      expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(request.headers['content-type']).toBe('application/json');
      expect(ingestBody.safeParse(request.body).success).toBe(true);
    }
    const sizes = bodies(server).map(size);
    expect(Math.max(...sizes)).toBe(1_000);
    const rows = bodies(server).flatMap((b) => [...b.metrics, ...b.events]);
    expect(rows.length).toBe(12_000 + 3 * 400);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(rows.length);
    expect(stats).toMatchObject({ seconds: 1, metricsSent: 12_000, eventsSent: 1_200, retries: 0, failedBatches: 0 });
  });

  it('retries a rate-limited batch and delivers it once', async () => {
    const server = await serve((_, i) => (i < 2 ? { status: 429, headers: { 'retry-after': '0' }, body: { error: { code: 'rate_limited', message: 'slow down' } } } : { status: 200 }));
    const lines: string[] = [];
    const stats = await startSimulator(options(server, { onLog: (line) => lines.push(line) })).done;
    const [first, second, third] = bodies(server);
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    const delivered = bodies(server).slice(2).flatMap((b) => b.metrics);
    expect(new Set(delivered.map((m) => m.event_id)).size).toBe(delivered.length);
    expect(stats).toMatchObject({ retries: 2, failedBatches: 0, metricsSent: delivered.length });
    expect(lines.some((line) => line.includes('HTTP 429 rate_limited'))).toBe(true);
  });

  it('gives up on a batch after the retry budget and keeps going', async () => {
    const server = await serve((_, i) => (i < 3 ? { status: 503 } : { status: 200 }));
    const stats = await startSimulator(options(server, { retry: { attempts: 3, baseMs: 1, maxMs: 2 } })).done;
    expect(stats.failedBatches).toBe(1);
    expect(stats.droppedItems).toBe(size(bodies(server)[0] as IngestBatch));
    expect(stats.lastError).toMatch(/^503/);
    expect(stats.seconds).toBe(3);
    expect(stats.metricsSent).toBeGreaterThan(0);
  });

  it('halves batches a server with a smaller body limit refuses as too large', async () => {
    const server = await serve((request) => (size(request.body as IngestBatch) > 300 ? { status: 413 } : { status: 200 }));
    const stats = await startSimulator(options(server, { rate: 3_000, durationSeconds: 1, simulator: { caches: tiny, scenario: noScenario } })).done;
    expect(stats).toMatchObject({ metricsSent: 3_000, failedBatches: 0 });
    const accepted = bodies(server).filter((b) => size(b) <= 300);
    expect(accepted.reduce((n, b) => n + b.metrics.length, 0)).toBe(3_000);
  });

  it('stops with the reason when the key is refused', async () => {
    const server = await serve(() => ({ status: 401, body: { error: { code: 'unauthorized', message: 'bad ingest key' } } }));
    await expect(startSimulator(options(server)).done).rejects.toThrow(/401 unauthorized: bad ingest key/);
    expect(server.requests).toHaveLength(1);
  });

  it('paces to the wall clock in realtime mode and closes cleanly', async () => {
    const server = await serve();
    const runner = startSimulator(options(server, { realtime: true, durationSeconds: undefined, rate: 6 }));
    await server.waitForRequests(2);
    const stats = await runner.close();
    expect(stats.metricsSent).toBeGreaterThanOrEqual(3);
    const received = server.requests.length;
    expect(stats.batches).toBe(received);
  });
});
