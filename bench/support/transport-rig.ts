/**
 * One transport under test, set up the same way for Realtime and for the legacy feed: the
 * server alone in its process, the load from lightweight raw-WebSocket subscribers spread
 * over `loadProcesses` processes, the latency probe (the dashboard's own transport clients)
 * in a process of its own, and the writer in another. A step pages the writer at a rate
 * and reports deliveries, missing and duplicate receipts, latency per client kind, and the
 * CPU of every process, so a reader sees who was the bottleneck.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { clockOffset, forkChild, loopBusy, type ChildRpc, type ProcessSample } from './child-rpc.js';
import { cpuSeconds, epochMs, sleep } from './clock.js';
import { histogramCount, histogramPercentile, LatencyHistogram, type HistogramData } from './latency-histogram.js';
import { PostgresCpu } from './postgres-cpu.js';
import type { OpenLoad } from './load-clients.js';
import type { OpenProbe } from './probe-clients.js';
import type { ClientsResult } from './receipt-ledger.js';
import type { ServerProcess } from './server-process.js';
import type { WriteResult } from './writer.js';

export interface RigOptions {
  server: ServerProcess;
  writer: ChildRpc;
  jwtSecret: string;
  /** Realtime only: the anon API key the sockets connect with. */
  anonKey?: string;
  loadProcesses: number;
  loadSubscribers: number;
  probeSubscribers: number;
  /** `--cpu-prof` directory for the client processes (load and probe), if profiling. */
  clientProfileDir?: string;
  /** The database the writer writes to, if any: its processes' CPU is reported too. */
  databaseUrl?: string;
  /** Realtime probes and load clients: postgres_changes (default) or Broadcast from Database. */
  probeStrategy?: 'postgres_changes' | 'broadcast';
}

export interface LatencyFigures {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface StepMeasurement {
  rate: number;
  rows: number;
  subscribers: number;
  expected: number;
  deliveries: number;
  missing: number;
  duplicates: number;
  /** First write issued → last delivery (or the drain deadline), s. */
  seconds: number;
  /** First write issued → measurement taken (what the CPU shares are relative to), s. */
  wallS: number;
  /** Every delivery (load and probe). */
  latency: LatencyFigures;
  loadLatency: LatencyFigures;
  probeLatency: LatencyFigures;
  /** CPU share of one core per process over the step (postgres: all its processes; NaN without a database). */
  cpu: { server: number; writer: number; load: number[]; probe: number; postgres: number };
  serverLoopBusy: number;
  /** Share of the server's wall time spent in garbage collection. */
  serverGc: number;
  serverRssMb: number;
  /** Busy share of all cores of the machine (everything running on it, not only this bench; steal excluded). */
  machineBusy: number;
  /** Share of all cores the hypervisor gave to other guests (steal): the machine is shared. */
  machineSteal: number;
  closed: number;
  /** Realtime messages the probe clients received (all of them, over the step). */
  probeMessages: number;
  write: WriteResult;
  /** Write call → acknowledged. */
  writeLatency: LatencyFigures;
}

export interface Rig {
  measure(rate: number, seconds: number, drainMs: number): Promise<StepMeasurement>;
  close(): Promise<void>;
}

const child = (name: string) => fileURLToPath(new URL(name, import.meta.url));

export async function openRig(options: RigOptions): Promise<Rig> {
  const kind = options.server.kind;
  const clientArgs = options.clientProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.clientProfileDir}`] : [];
  const load = Array.from({ length: options.loadProcesses }, () => forkChild(child('./load-clients.ts'), { execArgv: clientArgs }));
  const probe = options.probeSubscribers > 0 ? forkChild(child('./probe-clients.ts'), { execArgv: clientArgs }) : undefined;
  const clients = [...load, ...(probe ? [probe] : [])];
  const postgres = options.databaseUrl ? new PostgresCpu(options.databaseUrl) : undefined;
  const stop = async () => {
    await Promise.all(clients.map((rpc) => rpc.stop()));
    await postgres?.close();
  };
  try {
    const perProcess = split(options.loadSubscribers, options.loadProcesses);
    await Promise.all(
      load.map((rpc, index) =>
        rpc.call('open', { kind, url: options.server.url, anonKey: options.anonKey, jwtSecret: options.jwtSecret, count: perProcess[index] ?? 0, name: `p${index}`, ...(options.probeStrategy ? { strategy: options.probeStrategy } : {}) } satisfies OpenLoad),
      ),
    );
    if (probe) await probe.call('open', { kind, url: options.server.url, anonKey: options.anonKey, jwtSecret: options.jwtSecret, count: options.probeSubscribers, ...(options.probeStrategy ? { strategy: options.probeStrategy } : {}) } satisfies OpenProbe);
    const writerOffset = (await clockOffset(options.writer)).offsetMs;
    const corrections = await Promise.all(clients.map(async (rpc) => (await clockOffset(rpc)).offsetMs - writerOffset));
    return {
      measure: (rate, seconds, drainMs) => measure({ ...options, load, probe, clients, corrections, postgres }, rate, seconds, drainMs),
      close: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface Running extends RigOptions {
  load: ChildRpc[];
  probe: ChildRpc | undefined;
  clients: ChildRpc[];
  corrections: number[];
  postgres: PostgresCpu | undefined;
}

async function measure(rig: Running, rate: number, seconds: number, drainMs: number): Promise<StepMeasurement> {
  const rows = Math.round(rate * seconds);
  const firstSeq = await rig.writer.call<number>('nextSeq');
  await Promise.all(rig.clients.map((rpc, index) => rpc.call('reset', { firstSeq, rows, correctionMs: rig.corrections[index] ?? 0 })));
  const subscribers = rig.loadSubscribers + rig.probeSubscribers;
  const expected = rows * subscribers;
  const before = { server: await rig.server.sample(), writer: await rig.writer.call<ProcessSample>('self'), machine: await machineTicks(), postgres: await rig.postgres?.read() };
  const startedAt = epochMs();
  const write = await rig.writer.call<WriteResult>('step', { rate, seconds });
  const deadline = performance.now() + drainMs;
  while (performance.now() < deadline) {
    const received = (await Promise.all(rig.clients.map((rpc) => rpc.call<number>('received')))).reduce((sum, n) => sum + n, 0);
    if (received >= expected) break;
    await sleep(25);
  }
  const after = { server: await rig.server.sample(), writer: await rig.writer.call<ProcessSample>('self'), machine: await machineTicks(), postgres: await rig.postgres?.read() };
  const results = await Promise.all(rig.clients.map((rpc) => rpc.call<ClientsResult>('collect')));
  const probeMessages = rig.probe && rig.server.kind === 'realtime' ? await rig.probe.call<number>('messages') : 0;
  const loadResults = results.slice(0, rig.load.length);
  const probeResult = rig.probe ? results[results.length - 1] : undefined;
  const deliveries = results.reduce((sum, r) => sum + r.received, 0);
  const lastMs = Math.max(...results.map((r) => r.lastMs));
  const wallS = Math.max(1e-3, ((deliveries >= expected && lastMs > 0 ? lastMs : epochMs()) - startedAt) / 1000);
  const stepWallS = (epochMs() - startedAt) / 1000;
  const share = (a: ProcessSample, b: ProcessSample) => (cpuSeconds(b.cpu) - cpuSeconds(a.cpu)) / stepWallS;
  return {
    rate,
    rows,
    subscribers,
    expected,
    deliveries,
    missing: expected - deliveries,
    duplicates: results.reduce((sum, r) => sum + r.duplicates, 0),
    seconds: wallS,
    wallS: stepWallS,
    latency: figures(LatencyHistogram.merge(results.map((r) => r.histogram))),
    loadLatency: figures(LatencyHistogram.merge(loadResults.map((r) => r.histogram))),
    probeLatency: figures(probeResult?.histogram ?? { counts: [], max: 0 }),
    cpu: { server: share(before.server, after.server), writer: share(before.writer, after.writer), load: loadResults.map((r) => r.cpuS / stepWallS), probe: probeResult ? probeResult.cpuS / stepWallS : 0, postgres: before.postgres && after.postgres ? PostgresCpu.between(before.postgres, after.postgres) / stepWallS : Number.NaN },
    serverLoopBusy: loopBusy(before.server.loop, after.server.loop),
    serverGc: (after.server.gcMs - before.server.gcMs) / (1000 * stepWallS),
    serverRssMb: after.server.rss / 2 ** 20,
    machineBusy: busyShare(before.machine, after.machine, 'busy'),
    machineSteal: busyShare(before.machine, after.machine, 'steal'),
    closed: results.reduce((sum, r) => sum + r.closed, 0),
    probeMessages,
    write,
    writeLatency: figures(write.ack),
  };
}

function figures(data: HistogramData): LatencyFigures {
  return { n: histogramCount(data), p50: histogramPercentile(data, 50), p95: histogramPercentile(data, 95), p99: histogramPercentile(data, 99), max: data.max };
}

function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, index) => Math.floor(total / parts) + (index < total % parts ? 1 : 0));
}

interface MachineTicks {
  busy: number;
  steal: number;
  total: number;
}

/** Aggregate CPU ticks of the machine (/proc/stat: user nice system idle iowait irq softirq steal). */
async function machineTicks(): Promise<MachineTicks> {
  const line = (await readFile('/proc/stat', 'utf8').catch(() => '')).split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1, 9).map((n) => Number(n) || 0);
  const total = ticks.reduce((sum, n) => sum + n, 0);
  const [idle = 0, iowait = 0, steal = 0] = [ticks[3], ticks[4], ticks[7]];
  return { busy: total - idle - iowait - steal, steal, total };
}

function busyShare(before: MachineTicks, after: MachineTicks, what: 'busy' | 'steal'): number {
  const total = after.total - before.total;
  return total > 0 ? (after[what] - before[what]) / total : Number.NaN;
}
