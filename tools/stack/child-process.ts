import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

export interface ManagedChild {
  process: ChildProcess;
  /** Resolves when the child has exited. */
  exited: Promise<number | null>;
  /** SIGTERM to the child's whole process group, SIGKILL after `graceMs`; true when it exited within the grace. */
  stop(graceMs?: number): Promise<boolean>;
}

/**
 * Spawns a child in its own process group with prefixed output, so stopping it also
 * stops its grandchildren (next dev spawns workers) and nothing is orphaned.
 */
export function spawnChild(name: string, command: string, args: string[], options: { env: Record<string, string | undefined>; cwd?: string; log: (line: string) => void }): ManagedChild {
  const child = spawn(command, args, { env: options.env as NodeJS.ProcessEnv, cwd: options.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) readline.createInterface({ input: stream }).on('line', (line) => options.log(`[${name}] ${line}`));
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    process: child,
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return false;
      signalGroup(child.pid, 'SIGTERM');
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
      // Workers of the child may outlive it for a moment; make sure the group is gone.
      signalGroup(child.pid, 'SIGKILL');
      return !killed;
    },
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Polls an HTTP URL until it answers (any status below 500) or the deadline passes. */
export async function waitForHttp(url: string, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`${url}: the process exited before it answered`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5000), redirect: 'manual' });
      if (response.status < 500) return;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url}: not ready after ${timeoutMs / 1000} s (${lastError})`);
}
