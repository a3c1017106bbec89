import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test-support/wait-for.js';
import { identify } from './process-table.js';
import { readRunRecord, runRecordFile } from './run-record.js';
import { startSupervision } from './supervision.js';

const FIXTURE = fileURLToPath(new URL('../../test-support/stack/supervised-orchestrator.ts', import.meta.url));

interface Orchestrator {
  process: ChildProcess;
  pids: { leader: number; worker: number; plain: number };
  exited: Promise<void>;
}

let dataDir: string;
const started: number[] = [];

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-supervision-'));
});

afterEach(async () => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone: what the test expected.
    }
  }
  await rm(dataDir, { recursive: true, force: true });
});

async function startOrchestrator(): Promise<Orchestrator> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    void exited.then(() => reject(new Error('the stand-in orchestrator exited before it reported its children')));
  });
  const pids = JSON.parse(line) as Orchestrator['pids'];
  started.push(child.pid!, pids.leader, pids.worker, pids.plain);
  return { process: child, pids, exited };
}

const running = (pid: number) => identify(pid) !== null;
const allGone = async (pids: number[]) => pids.every((pid) => !running(pid));

describe('supervision of the orchestrator’s children', () => {
  it('stops every child, its process group included, when the orchestrator is SIGKILLed', async () => {
    const orchestrator = await startOrchestrator();
    const guardian = (await readRunRecord(dataDir))!.guardian!.pid;
    started.push(guardian);
    const pids = Object.values(orchestrator.pids);
    expect(pids.every(running)).toBe(true);

    orchestrator.process.kill('SIGKILL');
    await orchestrator.exited;
    await waitFor(() => allGone([...pids, guardian]), 'the guardian to stop the children and exit', 15_000, 100);
  });

  it('after the orchestrator and its guardian were both SIGKILLed, the next run stops what they left from the recorded pids', async () => {
    const orchestrator = await startOrchestrator();
    const guardian = (await readRunRecord(dataDir))!.guardian!.pid;
    started.push(guardian);
    process.kill(guardian, 'SIGKILL');
    orchestrator.process.kill('SIGKILL');
    await orchestrator.exited;
    await waitFor(async () => !running(guardian), 'the guardian to be gone');
    const pids = Object.values(orchestrator.pids);
    expect(pids.every(running)).toBe(true);

    const lines: string[] = [];
    const next = await startSupervision(dataDir, (line) => lines.push(line));
    try {
      expect(await allGone(pids)).toBe(true);
      expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^stopped group \(pid \d+\) left running by an earlier run/), expect.stringMatching(/^stopped plain \(pid \d+\)/)]));
    } finally {
      await next.close();
    }
    expect(existsSync(runRecordFile(dataDir))).toBe(false);
  });

  it('refuses to start beside an orchestrator that still runs on the same data dir, and a clean stop leaves nothing', async () => {
    const orchestrator = await startOrchestrator();
    const guardian = (await readRunRecord(dataDir))!.guardian!.pid;
    started.push(guardian);
    await expect(startSupervision(dataDir, () => undefined)).rejects.toThrow(/another Switchyard \(pid \d+.*\) is running/);
    expect(Object.values(orchestrator.pids).every(running)).toBe(true);

    orchestrator.process.kill('SIGTERM');
    await orchestrator.exited;
    expect(orchestrator.process.exitCode).toBe(0);
    await waitFor(() => allGone([...Object.values(orchestrator.pids), guardian]), 'the guardian to exit after the clean stop');
    expect(existsSync(runRecordFile(dataDir))).toBe(false);
  });
});
