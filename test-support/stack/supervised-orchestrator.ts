/**
 * A stand-in orchestrator for supervision.test.ts: supervises `argv[2]`, starts a detached
 * process group (leader + a worker, like `next dev`) and a plain child (like the
 * postmaster), prints their pids as one JSON line, and idles until SIGTERM, when it stops
 * them and closes cleanly, as tools/dev.ts does.
 */
import { spawn } from 'node:child_process';
import { startSupervision } from '../../tools/stack/supervision.js';

const IDLE = 'setInterval(() => {}, 1e6)';
const dataDir = process.argv[2];
if (!dataDir) throw new Error('supervised-orchestrator: pass the data dir');

const supervision = await startSupervision(dataDir, (line) => process.stderr.write(`${line}\n`));
const leader = spawn(process.execPath, ['-e', `const w = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(IDLE)}], { stdio: 'ignore' }); console.log(w.pid); ${IDLE}`], {
  detached: true,
  stdio: ['ignore', 'pipe', 'ignore'],
});
const worker = await new Promise<number>((resolve) => leader.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
const plain = spawn(process.execPath, ['-e', IDLE], { stdio: 'ignore' });
await supervision.track({ name: 'group', pid: leader.pid!, group: true, signal: 'SIGTERM', graceMs: 2_000 });
await supervision.track({ name: 'plain', pid: plain.pid!, group: false, signal: 'SIGINT', graceMs: 2_000 });
process.stdout.write(`${JSON.stringify({ leader: leader.pid, worker, plain: plain.pid })}\n`);

process.once('SIGTERM', () => {
  process.kill(-leader.pid!, 'SIGTERM');
  plain.kill('SIGINT');
  void Promise.all([new Promise((resolve) => leader.once('exit', resolve)), new Promise((resolve) => plain.once('exit', resolve))])
    .then(() => supervision.close())
    .then(() => process.exit(0));
});
