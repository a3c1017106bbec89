/**
 * Child process of bench/legacy-fanout.bench.ts: opens the subscribers and plays the
 * ingest API (HTTP publish), so the server has its process to itself. Publish stamps and
 * receipts use one clock (this process's), so latency needs no cross-process sync.
 * Input arrives as the first IPC message; the result goes back the same way.
 */
import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';

export interface FanoutWorkerInput {
  feedUrl: string;
  publishUrl: string;
  publishKey: string;
  token: string;
  clients: number;
  rate: number;
  seconds: number;
  burstEvents: number;
  burstBatch: number;
}

export interface FanoutWorkerResult {
  latenciesMs: number[];
  expectedLatencySamples: number;
  burst: { deliveries: number; seconds: number };
  latencyWallS: number;
  /** CPU time of this (client + publisher) process per phase, in seconds. */
  clientCpuS: { latency: number; burst: number };
}

let input: FanoutWorkerInput;
const now = () => performance.now();
let nextId = 1;
const latencies: number[] = [];
let burstReceived = 0;
let phase: 'latency' | 'burst' = 'latency';
let onBurstProgress: () => void = () => {};

function openSubscriber(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(input.feedUrl);
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', token: input.token })));
    ws.on('message', (data) => {
      if (phase === 'burst') {
        if ((data as Buffer).subarray(0, 16).toString('latin1') !== '{"type":"event",') return;
        burstReceived += 1;
        onBurstProgress();
        return;
      }
      const frame = JSON.parse(String(data)) as { type: string; envelope?: { data: { t: number } } };
      if (frame.type === 'ready') ws.send(JSON.stringify({ type: 'subscribe', streams: ['cache_metrics'] }));
      else if (frame.type === 'subscribed') resolve(ws);
      else if (frame.type === 'event' && frame.envelope) latencies.push(now() - frame.envelope.data.t);
    });
  });
}

function makeEnvelope(t: number) {
  return {
    id: nextId++,
    event_id: randomUUID(),
    stream: 'cache_metrics',
    emitted_at: new Date().toISOString(),
    data: { t, source: 'bench', cache_name: 'users', hits: 812, misses: 37, hit_ratio: 0.956, ops_per_sec: 4211.5 },
  };
}

async function post(envelopes: unknown[]): Promise<void> {
  const response = await fetch(input.publishUrl, {
    method: 'POST',
    headers: { Authorization: `Bearer ${input.publishKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ envelopes }),
  });
  if (response.status !== 202) throw new Error(`legacy-fanout: publish answered ${response.status}: ${await response.text()}`);
}

/**
 * Plays the ingest API: one request in flight; events that come due meanwhile go out
 * together in the next request (each stamped when it came due, so queueing counts).
 */
function createPublisher() {
  let pending: unknown[] = [];
  let inFlight: Promise<void> | null = null;
  const flush = (): Promise<void> => {
    if (inFlight || pending.length === 0) return inFlight ?? Promise.resolve();
    const batch = pending;
    pending = [];
    inFlight = post(batch).finally(() => {
      inFlight = null;
    });
    return inFlight.then(flush);
  };
  return {
    enqueue(envelope: unknown) {
      pending.push(envelope);
      void flush();
    },
    async drain() {
      while (inFlight || pending.length > 0) await flush();
    },
  };
}

async function main(received: FanoutWorkerInput) {
  input = received;
  const sockets: WebSocket[] = [];
  // Connect in small waves: 200 simultaneous handshakes only measure the accept queue.
  for (let index = 0; index < input.clients; index += 20) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(20, input.clients - index) }, openSubscriber))));
  }

  // Phase 1: steady rate; one event per publish unless the previous publish is still in flight.
  const total = input.rate * input.seconds;
  const publisher = createPublisher();
  process.send?.({ mark: 'latency' });
  const cpuAtStart = process.cpuUsage();
  const start = now();
  for (let sent = 0; sent < total; sent += 1) {
    const due = start + (sent * 1000) / input.rate;
    const wait = due - now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    publisher.enqueue(makeEnvelope(now()));
  }
  await publisher.drain();
  const expected = total * input.clients;
  const settleBy = now() + 10_000;
  while (latencies.length < expected && now() < settleBy) await new Promise((resolve) => setTimeout(resolve, 20));

  // Phase 2: as fast as the server fans out; receipts are counted, not parsed.
  const latencyCpu = process.cpuUsage(cpuAtStart);
  const latencyWallS = (now() - start) / 1000;
  phase = 'burst';
  const burstExpected = input.burstEvents * input.clients;
  const done = new Promise<void>((resolve) => {
    onBurstProgress = () => {
      if (burstReceived >= burstExpected) resolve();
    };
  });
  const burstStart = now();
  const cpuAtBurst = process.cpuUsage();
  process.send?.({ mark: 'burst' });
  for (let sent = 0; sent < input.burstEvents; sent += input.burstBatch) {
    const t = now();
    await post(Array.from({ length: Math.min(input.burstBatch, input.burstEvents - sent) }, () => makeEnvelope(t)));
  }
  await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 60_000))]);
  const burstSeconds = (now() - burstStart) / 1000;
  const burstCpu = process.cpuUsage(cpuAtBurst);
  process.send?.({ mark: 'end' });
  const cpuSeconds = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1e6;

  for (const ws of sockets) ws.close();
  const result: FanoutWorkerResult = { latenciesMs: latencies, expectedLatencySamples: expected, burst: { deliveries: burstReceived, seconds: burstSeconds }, latencyWallS, clientCpuS: { latency: cpuSeconds(latencyCpu), burst: cpuSeconds(burstCpu) } };
  process.send?.(result, () => process.exit(0));
}

process.once('message', (message) => {
  main(message as FanoutWorkerInput).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
});
