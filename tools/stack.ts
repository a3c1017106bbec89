/** `npm run stack`: Postgres + the local Supabase API only, in the foreground (like `supabase start`). */
import { mkdir } from 'node:fs/promises';
import { stackSettings } from '../servers/env.js';
import { startLocalStack, type LocalStack } from './stack/local-stack.js';
import { createProgress } from './stack/progress.js';
import { stopOnAnyEnd } from './stack/signals.js';
import { formatEnv } from './stack/stack-env.js';
import { startSupervision } from './stack/supervision.js';

async function main() {
  const settings = stackSettings();
  const progress = createProgress();
  await mkdir(settings.dataDir, { recursive: true });
  const supervision = await startSupervision(settings.dataDir, (line) => progress.info(line));
  let stack: LocalStack | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await stack?.close().catch((error: unknown) => progress.info(`stack: stop failed: ${error instanceof Error ? error.message : String(error)}`));
    await supervision.close();
    process.exit(code);
  };
  stopOnAnyEnd(stop, (line) => progress.info(line));
  try {
    stack = await startLocalStack(settings, progress, (line) => process.stdout.write(`${line}\n`), supervision);
  } catch (error) {
    await supervision.close();
    throw error;
  }
  progress.info(
    `\nLocal stack running. Settings (also: npm run --silent stack:env):\n${formatEnv(stack.env).replace(/^/gm, '  ')}\n` +
      'Postgres restart drill: npm run stack:restart-postgres -- --down 20\nCtrl-C stops it.',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`stack: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
