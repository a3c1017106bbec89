/** `npm run --silent stack:env`: the running stack's settings as KEY=value lines. */
import { readStackMarker } from './stack/resolve-env.js';
import { formatEnv } from './stack/stack-env.js';
import { processAlive } from '../servers/process-alive.js';

async function main() {
  const marker = await readStackMarker();
  if (!marker) throw new Error('no local stack is running (start it with `npm run dev` or `npm run stack`)');
  if (!processAlive(marker.pid)) throw new Error(`the stack that wrote its settings (pid ${marker.pid}) is no longer running; start it again`);
  process.stdout.write(`${formatEnv(marker.env)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`stack:env: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
