/**
 * Run by `npm start` before `next start`: checks the app's env (lib/env.ts) and exits 1
 * listing every missing or invalid key, so a misconfigured instance never joins the load
 * balancer. `instrumentation.ts` checks the same again inside Next.
 */
import { serverEnv } from '../lib/env.js';

try {
  const env = serverEnv();
  process.stdout.write(
    `[app] env ok: ${env.SWITCHYARD_MODE} mode, Supabase ${new URL(env.SUPABASE_URL).host}, legacy feed ${new URL(env.LEGACY_WS_URL).host}, APP_URL ${env.APP_URL}, ${env.VALIDATION_WINDOW_SECONDS}-s windows; starting Next…\n`,
  );
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
