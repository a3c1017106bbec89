import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/lost-output.ts');

/** Starts the fixture with piped output, as Playwright's webServer or CI's runner starts the stack. */
function start() {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve()));
  return { child, exited, ready };
}

describe('an orchestrator whose output pipe closes', () => {
  it('stops in order on Ctrl-C after its launcher’s pipe is gone (an EPIPE storm starved the shutdown)', async () => {
    const { child, exited, ready } = await start();
    await ready;
    // The reader goes away (a killed Playwright): every write from now on fails with EPIPE.
    child.stdout.destroy();
    child.stderr.destroy();
    child.kill('SIGINT');
    const watchdog = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const result = await exited;
    clearTimeout(watchdog);
    // Killed by the watchdog, it would end by SIGKILL after 10 s; the ordered stop exits 0.
    expect(result).toMatchObject({ code: 0, signal: null });
  }, 20_000);

  it('stops by itself when nobody reads its output any more', async () => {
    const { child, exited, ready } = await start();
    await ready;
    child.stdout.destroy();
    child.stderr.destroy();
    // No signal: its next log line (≤ 1 s) finds the pipe gone.
    const watchdog = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const result = await exited;
    clearTimeout(watchdog);
    expect(result).toMatchObject({ code: 0, signal: null });
  }, 20_000);
});
