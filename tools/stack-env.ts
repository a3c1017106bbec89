/** `npm run --silent stack:env`: the running stack's settings as KEY=value lines. */
import { readStackMarker } from './stack/resolve-env.js';
import { formatEnv } from './stack/stack-env.js';

async function main() {
  const marker = await readStackMarker();
  if (!marker) throw new Error('no local stack is running (start it with `npm run dev` or `npm run stack`)');
  if (!isAlive(marker.pid)) throw new Error(`the stack that wrote its settings (pid ${marker.pid}) is no longer running; start it again`);
  process.stdout.write(`${formatEnv(marker.env)}\n`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`stack:env: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
