/**
 * The orchestrator's guardian: a detached sidecar (its own session, so neither Ctrl-C nor a
 * SIGKILL of the orchestrator's process group reaches it) that holds the read end of a pipe
 * from the orchestrator. The kernel closes that pipe however the orchestrator ends; when it
 * closes without a `bye`, the guardian stops every process it was told to guard (Next's
 * process group, the postmaster) and exits. `argv[2]`: its log file.
 */
import { appendFileSync } from 'node:fs';
import readline from 'node:readline';
import { guardianMessageSchema } from './guardian-protocol.js';
import { stopProcess, type ProcessTarget } from './stop-process.js';
import { parseJsonOrNull } from '../../servers/parse-json.js';

const logFile = process.argv[2];
const log = (line: string) => {
  if (logFile) appendFileSync(logFile, `${new Date().toISOString()} guardian ${process.pid}: ${line}\n`);
};

const targets = new Map<string, ProcessTarget>();
let released = false;

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const parsed = guardianMessageSchema.safeParse(parseJsonOrNull(line));
  if (!parsed.success) return log(`ignored a malformed message: ${line.slice(0, 200)}`);
  const message = parsed.data;
  if (message.type === 'guard') targets.set(message.target.name, message.target);
  else if (message.type === 'release') targets.delete(message.name);
  else released = true;
});

process.stdin.on('close', () => {
  void (async () => {
    if (!released && targets.size > 0) {
      log(`the orchestrator is gone; stopping ${[...targets.keys()].join(', ')}`);
      const outcomes = await Promise.allSettled([...targets.values()].map(async (target) => `${target.name} (pid ${target.pid}): ${await stopProcess(target)}`));
      for (const outcome of outcomes) log(outcome.status === 'fulfilled' ? outcome.value : `stop failed: ${String(outcome.reason)}`);
    }
    process.exit(0);
  })();
});
