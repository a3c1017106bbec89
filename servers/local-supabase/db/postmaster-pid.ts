import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { processAlive } from '../../process-alive.js';

/** Like pg_ctl status: the pid in postmaster.pid, when it exists and is alive. */
export async function postmasterPid(dataDir: string): Promise<number | null> {
  let pid: number;
  try {
    pid = Number.parseInt((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0] ?? '', 10);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  return processAlive(pid) ? pid : null;
}
