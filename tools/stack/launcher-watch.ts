import { identify, parentPid, stillRunning, type ProcessIdentity } from './process-table.js';

const WRAPPER = /^(\S*\/)?(sh|dash|bash) -c |(^|\/)(npm|npx)(\s|$)|npm-cli\.js/;

/**
 * Calls `onGone` once when whoever launched this process is gone — the parent, and the
 * wrappers above it (`npm run dev` runs us through `sh -c`, which does not pass SIGTERM on
 * and outlives neither npm nor us). Killing npm, or its shell, then stops the stack the
 * way Ctrl-C does instead of leaving it running as an orphan. Polls (Node has no
 * parent-death signal); the timer does not keep the process alive.
 */
export function watchLauncher(onGone: (who: string) => void, everyMs = 500): () => void {
  const watched: ProcessIdentity[] = [];
  for (let pid = process.ppid; pid > 1; ) {
    const ancestor = identify(pid);
    if (!ancestor) break;
    watched.push(ancestor);
    if (!WRAPPER.test(ancestor.command)) break;
    pid = parentPid(pid) ?? 0;
  }
  const initialParent = process.ppid;
  const timer = setInterval(() => {
    const gone = process.ppid !== initialParent ? watched[0] : watched.find((ancestor) => !stillRunning(ancestor));
    if (!gone) return;
    clearInterval(timer);
    onGone(`the process that started this one (pid ${gone.pid}: ${gone.command.slice(0, 60)})`);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
