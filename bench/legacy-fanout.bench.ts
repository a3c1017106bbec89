import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { startLegacyServer } from '../servers/legacy-ws/legacy-server.js';
import { latencySummary, round, type BenchModule, type BenchRow } from './harness.js';
import type { FanoutWorkerInput, FanoutWorkerResult } from './legacy-fanout-clients.js';

const CLIENTS = 200;
const RATE = 200;
const SECONDS = 10;
const BURST_EVENTS = 5_000;
const BURST_BATCH = 250;

/**
 * Legacy path: publish (HTTP, as the ingest API calls it) → server fan-out → `ws` client
 * message callback, at 200 ev/s × 200 subscribers; then the peak fan-out rate. The server
 * runs in this process, the clients and the publisher in a child process (the other core).
 */
export const legacyFanoutBench: BenchModule = {
  id: 'legacy',
  title: 'Legacy WebSocket feed fan-out',
  async run(): Promise<BenchRow[]> {
    const jwtSecret = randomBytes(32).toString('base64url');
    const publishKey = randomBytes(32).toString('base64url');
    const server = await startLegacyServer({ port: 0, jwtSecret, publishKey });
    try {
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ role: 'authenticated' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject('bench-user')
        .setExpirationTime(now + 3600)
        .sign(new TextEncoder().encode(jwtSecret));
      const input: FanoutWorkerInput = { feedUrl: server.feedUrl, publishUrl: server.publishUrl, publishKey, token, clients: CLIENTS, rate: RATE, seconds: SECONDS, burstEvents: BURST_EVENTS, burstBatch: BURST_BATCH };
      const loadAtStart = round(loadavg()[0] ?? 0, 1);
      const { result, serverCpuS } = await runClients(input);
      const percent = (cpuS: number, wallS: number) => `${Math.round((100 * cpuS) / wallS)} %`;
      const stats = server.stats();
      const lost = result.expectedLatencySamples - result.latenciesMs.length;
      return [
        {
          table: 'Delivery latency (ingest → client callback)',
          name: `legacy · ${RATE} ev/s · ${CLIENTS} clients`,
          metrics: {
            ...latencySummary(result.latenciesMs),
            'server CPU': percent(serverCpuS.latency, result.latencyWallS),
            'clients CPU': percent(result.clientCpuS.latency, result.latencyWallS),
          },
          note: `publish via HTTP /internal/publish; ${lost} of ${result.expectedLatencySamples} deliveries missing; ${stats.slowConsumerDisconnects} slow-consumer closes; load avg ${loadAtStart} at start`,
        },
        {
          table: 'Fan-out throughput',
          name: `legacy · ${CLIENTS} clients · ${BURST_EVENTS} events in batches of ${BURST_BATCH}`,
          metrics: {
            deliveries: result.burst.deliveries,
            seconds: round(result.burst.seconds),
            'deliveries/s': Math.round(result.burst.deliveries / result.burst.seconds),
            'server CPU': percent(serverCpuS.burst, result.burst.seconds),
            'clients CPU': percent(result.clientCpuS.burst, result.burst.seconds),
          },
          note: 'one frame serialized per event, same bytes to every client; clients and publisher share the second core',
        },
      ];
    } finally {
      await server.close();
    }
  },
};

type Mark = 'latency' | 'burst' | 'end';

/** Runs the client process; records this (server) process's CPU time at each phase mark it reports. */
function runClients(input: FanoutWorkerInput): Promise<{ result: FanoutWorkerResult; serverCpuS: { latency: number; burst: number } }> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./legacy-fanout-clients.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const marks = new Map<Mark, NodeJS.CpuUsage>();
    let result: FanoutWorkerResult | undefined;
    child.on('message', (message: { mark: Mark } | FanoutWorkerResult) => {
      if ('mark' in message) marks.set(message.mark, process.cpuUsage());
      else result = message;
    });
    child.once('error', (error) => reject(new Error('legacy-fanout: client process failed', { cause: error })));
    child.once('exit', (code) => {
      if (!result) return reject(new Error(`legacy-fanout: client process exited with ${code} and no result`));
      const between = (from: Mark, to: Mark) => {
        const [a, b] = [marks.get(from), marks.get(to)];
        return a && b ? (b.user - a.user + b.system - a.system) / 1e6 : Number.NaN;
      };
      resolve({ result, serverCpuS: { latency: between('latency', 'burst'), burst: between('burst', 'end') } });
    });
    child.send(input);
  });
}
