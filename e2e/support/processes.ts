import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

/** A process the production story started: its own process group, its output kept. */
export interface StartedProcess {
  name: string;
  pid: number;
  lines: string[];
  /** Resolves with the first output line matching `pattern` (rejects on exit or after `timeoutMs`). */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  exited: Promise<number | null>;
  /** SIGKILL to the whole group: a crash, as a host losing the process would. */
  kill(): Promise<void>;
  /** SIGTERM to the group, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts and remembers the processes of one story, so `stopAll` leaves nothing behind even
 * when a step failed half-way. Each child gets only the env it is given (plus PATH/HOME), so
 * nothing of the local stack's leaks into a process that should see only public settings.
 */
export function processGroup(cwd: string) {
  const started: StartedProcess[] = [];
  return {
    started,
    start(name: string, command: string, args: string[], env: Record<string, string>): StartedProcess {
      const child: ChildProcess = spawn(command, args, {
        cwd,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', NEXT_TELEMETRY_DISABLED: '1', ...env } as unknown as NodeJS.ProcessEnv,
      });
      if (child.pid === undefined) throw new Error(`e2e: ${name} did not start`);
      const lines: string[] = [];
      const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
      for (const stream of [child.stdout, child.stderr]) {
        if (!stream) continue;
        readline.createInterface({ input: stream }).on('line', (line) => {
          lines.push(line);
          for (const waiter of waiters) if (waiter.pattern.test(line)) waiter.resolve(line);
        });
      }
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const pid = child.pid;
      const signal = (sig: NodeJS.Signals) => {
        try {
          process.kill(-pid, sig);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
        }
      };
      const running = () => child.exitCode === null && child.signalCode === null;
      const handle: StartedProcess = {
        name,
        pid,
        lines,
        exited,
        waitForLine(pattern, timeoutMs) {
          const seen = lines.find((line) => pattern.test(line));
          if (seen) return Promise.resolve(seen);
          return new Promise((resolve, reject) => {
            const waiter = {
              pattern,
              resolve: (line: string) => {
                cleanup();
                resolve(line);
              },
            };
            const timer = setTimeout(() => {
              cleanup();
              reject(new Error(`e2e: ${name} printed nothing matching ${pattern} within ${timeoutMs} ms; last lines:\n${lines.slice(-15).join('\n')}`));
            }, timeoutMs);
            const cleanup = () => {
              clearTimeout(timer);
              waiters.delete(waiter);
            };
            waiters.add(waiter);
            void exited.then((code) => {
              if (!waiters.has(waiter)) return;
              cleanup();
              reject(new Error(`e2e: ${name} exited (code ${code}) before printing ${pattern}; last lines:\n${lines.slice(-15).join('\n')}`));
            });
          });
        },
        async kill() {
          signal('SIGKILL');
          await exited;
        },
        async stop(graceMs = 15_000) {
          if (running()) {
            signal('SIGTERM');
            const timer = setTimeout(() => signal('SIGKILL'), graceMs);
            await exited;
            clearTimeout(timer);
          }
          // Grandchildren (next start's workers) must not outlive their group.
          signal('SIGKILL');
        },
      };
      started.push(handle);
      return handle;
    },
    /** Stops everything, last started first. */
    async stopAll(): Promise<void> {
      for (const handle of [...started].reverse()) await handle.stop();
    },
  };
}

/** `KEY=value` lines (as `supabase status -o env` / `npm run stack:env` print them) → a record. */
export function parseEnvLines(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, key, raw] = match;
    env[key!] = raw!.startsWith('"') ? (JSON.parse(raw!) as string) : raw!;
  }
  return env;
}
