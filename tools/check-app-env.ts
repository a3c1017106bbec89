/**
 * Run by `npm start` before `next start`: checks the app's env (lib/env.ts) and exits 1
 * listing every missing or invalid key, so a misconfigured instance never joins the load
 * balancer. `instrumentation.ts` checks the same again inside Next.
 */
import { deploymentProblems, serverEnv } from '../lib/env.js';
import { urlForLogs } from '../lib/text/url-for-logs.js';

try {
  const env = serverEnv();
  const problems = deploymentProblems();
  if (problems.length > 0) throw new Error(`env: this deployment cannot start; fix these keys (docs/deploy.md):\n${problems.map((line) => `  - ${line}`).join('\n')}`);
  process.stdout.write(
    `[app] env ok: ${env.SWITCHYARD_MODE} mode, Supabase ${urlForLogs(env.SUPABASE_URL)}, legacy feed ${urlForLogs(env.LEGACY_WS_URL)}, APP_URL ${urlForLogs(env.APP_URL)}, ${env.VALIDATION_WINDOW_SECONDS}-s windows; starting Next…\n`,
  );
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
