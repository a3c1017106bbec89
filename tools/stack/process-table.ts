import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** What identifies a process beyond its pid (pids are reused): when it started, and its command. */
export interface ProcessIdentity {
  pid: number;
  /** Opaque start stamp: equal stamps ⇒ the same process. */
  startTime: string;
  command: string;
}

interface ProcessRow extends ProcessIdentity {
  ppid: number;
  pgid: number;
  zombie: boolean;
}

const HAS_PROC = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

/** The live (non-zombie) process with this pid, or null. */
export function identify(pid: number): ProcessIdentity | null {
  const row = HAS_PROC ? procRow(pid) : psRows([pid])[0];
  if (!row || row.zombie) return null;
  return { pid: row.pid, startTime: row.startTime, command: row.command };
}

/** The parent of a live process, or null. */
export function parentPid(pid: number): number | null {
  const row = HAS_PROC ? procRow(pid) : psRows([pid])[0];
  return row && !row.zombie ? row.ppid : null;
}

/** True while the process recorded as `identity` still runs (same pid and start, not a zombie). */
export function stillRunning(identity: Pick<ProcessIdentity, 'pid' | 'startTime'>): boolean {
  return identify(identity.pid)?.startTime === identity.startTime;
}

/** Live members of process group `pgid`. */
export function groupMembers(pgid: number): ProcessIdentity[] {
  const rows = HAS_PROC ? readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map((name) => procRow(Number(name))) : psRows();
  return rows.filter((row): row is ProcessRow => row !== null && row !== undefined && row.pgid === pgid && !row.zombie).map(({ pid, startTime, command }) => ({ pid, startTime, command }));
}

function procRow(pid: number): ProcessRow | null {
  let stat: string;
  let cmdline: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return null;
  }
  // Fields after the command name, which is in parentheses and may itself contain spaces and ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    pid,
    zombie: fields[0] === 'Z' || fields[0] === 'X',
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    startTime: fields[19] ?? '',
    command: cmdline.split('\0').filter(Boolean).join(' '),
  };
}

function psRows(pids?: number[]): ProcessRow[] {
  let output: string;
  try {
    output = execFileSync('ps', [...(pids ? ['-p', pids.join(',')] : ['-A']), '-o', 'pid=,ppid=,pgid=,stat=,lstart=,args='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  return output
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+\s+\S+\s+\S+\s+\S+\s+\S+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ pid: Number(match[1]), ppid: Number(match[2]), pgid: Number(match[3]), zombie: match[4]!.startsWith('Z'), startTime: match[5]!, command: match[6]! }));
}
