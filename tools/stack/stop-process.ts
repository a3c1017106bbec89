import { z } from 'zod';
import { groupMembers, identify, stillRunning } from './process-table.js';

/** A process the orchestrator started, as recorded under `.local/` and handed to the guardian. */
export const processTargetSchema = z.object({
  name: z.string().min(1),
  pid: z.number().int().positive(),
  /** From `identify()` when it started: a reused pid is never signalled. */
  startTime: z.string(),
  /** The pid leads its own process group (a detached spawn): signal the whole group. */
  group: z.boolean(),
  /** First signal: SIGTERM for Node, SIGINT for Postgres (fast shutdown). */
  signal: z.enum(['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGKILL']),
  /** How long the first signal gets before SIGKILL. */
  graceMs: z.number().int().nonnegative(),
});
export type ProcessTarget = z.infer<typeof processTargetSchema>;

export type StopOutcome = 'not-running' | 'stopped' | 'killed';

const POLL_MS = 100;
const KILL_WAIT_MS = 5_000;

/**
 * True while `target` (or, for a group, any member of it) still runs. On Linux a pid stays
 * allocated while it names a live process group, so surviving members of the recorded
 * group are that group's even after the leader died.
 */
export function targetRunning(target: ProcessTarget): boolean {
  if (!target.group) return stillRunning(target);
  const leader = identify(target.pid);
  if (leader && leader.startTime !== target.startTime) return false;
  return leader !== null || groupMembers(target.pid).length > 0;
}

/** Stops a recorded process if it still runs: its signal, up to `graceMs`, then SIGKILL. */
export async function stopProcess(target: ProcessTarget): Promise<StopOutcome> {
  if (target.pid <= 1 || target.pid === process.pid || !targetRunning(target)) return 'not-running';
  send(target, target.signal);
  if (await gone(target, target.graceMs)) return 'stopped';
  send(target, 'SIGKILL');
  if (await gone(target, KILL_WAIT_MS)) return 'killed';
  throw new Error(`stack: ${target.name} (pid ${target.pid}) survived SIGKILL`);
}

function send(target: ProcessTarget, signal: NodeJS.Signals): void {
  try {
    process.kill(target.group ? -target.pid : target.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw new Error(`stack: cannot signal ${target.name} (pid ${target.pid})`, { cause: error });
  }
}

async function gone(target: ProcessTarget, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (targetRunning(target)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}
