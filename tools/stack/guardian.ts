import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GuardianMessage } from './guardian-protocol.js';
import { identify } from './process-table.js';
import type { ProcessTarget } from './stop-process.js';

const GUARDIAN_MAIN = fileURLToPath(new URL('./guardian-main.ts', import.meta.url));

/** The parent's end of the guardian (see guardian-main.ts). */
export interface Guardian {
  target: ProcessTarget;
  guard(target: ProcessTarget): void;
  release(name: string): void;
  /** A clean stop: tells the guardian to exit without signalling anything, and waits for it (bounded). */
  close(): Promise<void>;
}

export function startGuardian(logFile: string): Guardian {
  const child = spawn(process.execPath, ['--import', 'tsx', GUARDIAN_MAIN, logFile], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  const identity = child.pid === undefined ? null : identify(child.pid);
  if (!identity) throw new Error('stack: the guardian process did not start');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Neither the child nor the pipe may keep this process alive: the guardian watches us, not the reverse.
  child.unref();
  const stdin = child.stdin!;
  (stdin as unknown as { unref(): void }).unref();
  stdin.on('error', () => undefined);
  const send = (message: GuardianMessage) => {
    if (!stdin.destroyed) stdin.write(`${JSON.stringify(message)}\n`);
  };
  return {
    target: { name: 'guardian', pid: identity.pid, startTime: identity.startTime, group: true, signal: 'SIGTERM', graceMs: 2_000 },
    guard: (target) => send({ type: 'guard', target }),
    release: (name) => send({ type: 'release', name }),
    async close() {
      send({ type: 'bye' });
      stdin.end();
      // Referenced again: this wait must keep the process alive until the guardian is gone.
      child.ref();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 3_000)))]);
      clearTimeout(timer);
    },
  };
}
