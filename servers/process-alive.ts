/** Whether a process with this pid runs on this host (EPERM: it does, owned by someone else). The one check for stale pids and slots. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
