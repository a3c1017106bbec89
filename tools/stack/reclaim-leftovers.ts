import path from 'node:path';
import { postmasterPid } from '../../servers/local-supabase/db/postmaster-pid.js';
import { identify, stillRunning } from './process-table.js';
import { readRunRecord, removeRunRecord } from './run-record.js';
import { stopProcess, type ProcessTarget } from './stop-process.js';

/** The data dir's Postgres cluster (`startLocalStack` keeps it there). */
export function pgdataDir(dataDir: string): string {
  return path.join(dataDir, 'pgdata');
}

/**
 * Before a run starts on `dataDir`: stops what an earlier run that was killed (SIGKILL, OOM,
 * power cut of the terminal) left behind — its guardian, Next's process group, the
 * postmaster — from the pids it recorded, then a postmaster still holding the cluster that
 * no record names. Refuses while the earlier orchestrator itself still runs.
 */
export async function reclaimLeftovers(dataDir: string, log: (line: string) => void): Promise<void> {
  const record = await readRunRecord(dataDir);
  if (record) {
    const { orchestrator } = record;
    if (orchestrator.pid !== process.pid && stillRunning(orchestrator)) {
      throw new Error(`stack: another Switchyard (pid ${orchestrator.pid}: ${orchestrator.command.slice(0, 120)}) is running on ${dataDir}; stop it first (Ctrl-C in its terminal, or kill ${orchestrator.pid})`);
    }
    const targets = [...(record.guardian ? [record.guardian] : []), ...Object.values(record.children)];
    for (const target of targets) report(target, await stopProcess(target), log);
    await removeRunRecord(dataDir);
  }
  const cluster = pgdataDir(dataDir);
  const pid = await postmasterPid(cluster);
  const postmaster = pid === null ? null : identify(pid);
  if (postmaster && postmaster.command.includes(` -D ${cluster}`)) {
    const target: ProcessTarget = { name: 'postgres', pid: postmaster.pid, startTime: postmaster.startTime, group: false, signal: 'SIGINT', graceMs: 15_000 };
    report(target, await stopProcess(target), log);
  }
}

function report(target: ProcessTarget, outcome: Awaited<ReturnType<typeof stopProcess>>, log: (line: string) => void): void {
  if (outcome !== 'not-running') log(`stopped ${target.name} (pid ${target.pid}) left running by an earlier run (${outcome === 'killed' ? 'SIGKILL' : target.signal})`);
}
