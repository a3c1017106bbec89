import path from 'node:path';
import { startGuardian } from './guardian.js';
import { identify } from './process-table.js';
import { reclaimLeftovers } from './reclaim-leftovers.js';
import { removeRunRecord, writeRunRecord, type RunRecord } from './run-record.js';
import type { ProcessTarget } from './stop-process.js';

/** A child process to keep track of; its start stamp is read when it is tracked. */
export type TrackedChild = Omit<ProcessTarget, 'startTime'>;

/** Who started what, for one run of `npm run dev` / `npm run stack`. */
export interface Supervision {
  /** Records the child under `.local/` and hands it to the guardian. */
  track(child: TrackedChild): Promise<void>;
  /** After the child stopped cleanly. */
  untrack(name: string): Promise<void>;
  /** Clean end of the run: the guardian exits without signalling anything, the record goes. */
  close(): Promise<void>;
}

/**
 * The orchestrator's side of "never leave a child behind": stops an earlier run's leftovers
 * (reclaimLeftovers), starts the guardian (guardian-main.ts) that stops the children if this
 * process dies, and keeps `<dataDir>/processes.json` current for the next run.
 */
export async function startSupervision(dataDir: string, log: (line: string) => void): Promise<Supervision> {
  await reclaimLeftovers(dataDir, log);
  const self = identify(process.pid);
  if (!self) throw new Error('stack: cannot read this process in the process table');
  const guardian = startGuardian(path.join(dataDir, 'guardian.log'));
  const record: RunRecord = { orchestrator: self, guardian: guardian.target, children: {} };
  // Writes are chained so the file always holds the latest record.
  let writes = writeRunRecord(dataDir, record);
  const save = () => (writes = writes.then(() => writeRunRecord(dataDir, record)));
  await writes;
  return {
    async track(child) {
      const identity = identify(child.pid);
      if (!identity) return;
      const target: ProcessTarget = { ...child, startTime: identity.startTime };
      record.children[child.name] = target;
      guardian.guard(target);
      await save();
    },
    async untrack(name) {
      delete record.children[name];
      guardian.release(name);
      await save();
    },
    async close() {
      await writes.catch(() => undefined);
      await guardian.close();
      await removeRunRecord(dataDir);
    },
  };
}
