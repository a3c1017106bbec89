/** `npm run stack`: Postgres + the local Supabase API only, in the foreground (like `supabase start`). */
import { stackSettings } from './env.js';
import { startLocalStack } from './stack/local-stack.js';
import { createProgress } from './stack/progress.js';
import { onShutdownSignal } from './stack/signals.js';
import { formatEnv } from './stack/stack-env.js';

async function main() {
  const settings = stackSettings();
  const progress = createProgress();
  const stack = await startLocalStack(settings, progress, (line) => process.stdout.write(`${line}\n`));
  progress.info(`\nLocal stack running. Settings (also: npm run --silent stack:env):\n${formatEnv(stack.env).replace(/^/gm, '  ')}\nCtrl-C stops it.`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await stack.close();
    process.exit(0);
  };
  onShutdownSignal(stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`stack: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
