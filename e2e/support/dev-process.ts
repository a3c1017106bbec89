import { expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../../servers/port';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface DevPorts {
  app: number;
  api: number;
  postgres: number;
  legacy: number;
}

/** One `npm run dev` on its own ports and data dir, as a developer starts it in a terminal. */
export interface DevRun {
  appUrl: string;
  ports: DevPorts;
  /** `npm` itself: the leader of the process group a terminal would signal. */
  npmPid: number;
  output(): string;
  exited: Promise<void>;
  /** Every process of this run now: npm's descendants, Next's group and the guardian included. */
  processes(): number[];
  /** What `<dataDir>/processes.json` says this run started. */
  recorded(): Promise<{ orchestrator: number; guardian: number | null; children: Record<string, number> }>;
}

export async function freeDevPorts(): Promise<DevPorts> {
  const [app, api, postgres, legacy] = (await freePorts(4)) as [number, number, number, number];
  return { app, api, postgres, legacy };
}

/** Starts `npm run dev` (detached: npm leads its own process group) and resolves once it says it is ready. */
export async function startDev(options: { dataDir: string; ports: DevPorts; timeoutMs: number; args?: string[]; simulatorRate?: number }): Promise<DevRun> {
  const { ports } = options;
  const child: ChildProcess = spawn('npm', ['run', 'dev', ...(options.args ? ['--', ...options.args] : [])], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      SWITCHYARD_DATA_DIR: options.dataDir,
      APP_PORT: String(ports.app),
      SUPABASE_API_PORT: String(ports.api),
      POSTGRES_PORT: String(ports.postgres),
      LEGACY_WS_PORT: String(ports.legacy),
      SIMULATOR_RATE: String(options.simulatorRate ?? 5),
      NEXT_TELEMETRY_DISABLED: '1',
    },
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-40_000);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  let hasExited = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => ((hasExited = true), resolve())));
  const npmPid = child.pid!;
  const run: DevRun = {
    appUrl: `http://127.0.0.1:${ports.app}`,
    ports,
    npmPid,
    output: () => output,
    exited,
    processes: () => runProcesses(npmPid),
    recorded: () => readRecord(options.dataDir),
  };
  const deadline = Date.now() + options.timeoutMs;
  while (!/Switchyard is ready in/.test(output)) {
    if (hasExited) throw new Error(`e2e: npm run dev exited while starting:\n${output}`);
    if (Date.now() > deadline) throw new Error(`e2e: npm run dev was not ready in ${options.timeoutMs / 1000} s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return run;
}

/** Within 15 s of a stop: nothing listens on the run's ports, and none of `processes` runs. */
export async function expectStopped(run: DevRun, processes: number[]): Promise<void> {
  await expect.poll(async () => ({ listening: await listening(run.ports), processes: alive(processes) }), { timeout: 15_000 }).toEqual({ listening: [], processes: [] });
}

/** The running stack's settings (what `npm run --silent stack:env` prints), from `<dataDir>/stack.json`. */
export async function readStackEnv(dataDir: string): Promise<Record<string, string>> {
  return (JSON.parse(await readFile(path.join(ROOT, dataDir, 'stack.json'), 'utf8')) as { env: Record<string, string> }).env;
}

/** Ports of `ports` that something still listens on (connect succeeds). */
export async function listening(ports: DevPorts): Promise<number[]> {
  const open = await Promise.all(
    Object.values(ports).map(
      (port) =>
        new Promise<number | null>((resolve) => {
          const socket = net.connect({ host: '127.0.0.1', port });
          socket.once('connect', () => (socket.destroy(), resolve(port)));
          socket.once('error', () => resolve(null));
        }),
    ),
  );
  return open.filter((port): port is number => port !== null);
}

/** Which of `pids` still run (zombies do not count). */
export function alive(pids: number[]): number[] {
  return pids.filter((pid) => {
    const state = procStat(pid)?.state;
    return state !== undefined && state !== 'Z' && state !== 'X';
  });
}

export async function readRecord(dataDir: string): Promise<{ orchestrator: number; guardian: number | null; children: Record<string, number> }> {
  const record = JSON.parse(await readFile(path.join(ROOT, dataDir, 'processes.json'), 'utf8')) as {
    orchestrator: { pid: number };
    guardian: { pid: number } | null;
    children: Record<string, { pid: number }>;
  };
  return { orchestrator: record.orchestrator.pid, guardian: record.guardian?.pid ?? null, children: Object.fromEntries(Object.entries(record.children).map(([name, child]) => [name, child.pid])) };
}

function runProcesses(npmPid: number): number[] {
  const table = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => procStat(Number(name)))
    .filter((row): row is ProcRow => row !== null);
  const members = new Set<number>([npmPid]);
  // Descendants by parent pid, then whole process groups led by one of them (Next, the guardian).
  for (let grew = true; grew; ) {
    grew = false;
    for (const row of table) {
      if (!members.has(row.pid) && (members.has(row.ppid) || members.has(row.pgid))) {
        members.add(row.pid);
        grew = true;
      }
    }
  }
  return [...members];
}

interface ProcRow {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
}

function procStat(pid: number): ProcRow | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, state: fields[0]!, ppid: Number(fields[1]), pgid: Number(fields[2]) };
  } catch {
    return null;
  }
}
