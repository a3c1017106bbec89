/**
 * `tsx servers/legacy-ws/main.ts`: the legacy WebSocket feed as a standalone process.
 * The only file of this server that reads process.env.
 */
import { z } from 'zod';
import { watchFeedState } from './feed-state.js';
import { startLegacyServer } from './legacy-server.js';

const envSchema = z.object({
  LEGACY_WS_PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  SUPABASE_JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  LEGACY_PUBLISH_KEY: z.string().min(32, 'must be at least 32 characters'),
  /** Optional: with it the feed follows the rollout (closed with 4010 once decommissioned). */
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
});

function readEnv(source: Record<string, string | undefined>) {
  const result = envSchema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${source[String(issue.path[0])] === undefined ? 'missing' : issue.message}`);
  throw new Error(`legacy-ws: invalid environment:\n${problems.join('\n')}`);
}

async function main() {
  const env = readEnv(process.env);
  process.stdout.write(`[legacy-ws] env ok: port ${env.LEGACY_WS_PORT}; ${env.DATABASE_URL ? 'follows the rollout config (closes with 4010 once decommissioned)' : 'no DATABASE_URL: serves until stopped'}; starting…\n`);
  const feedState = env.DATABASE_URL ? watchFeedState({ databaseUrl: env.DATABASE_URL, log: (line) => process.stdout.write(`[legacy-ws] ${line}\n`) }) : undefined;
  const server = await startLegacyServer({
    port: env.LEGACY_WS_PORT,
    jwtSecret: env.SUPABASE_JWT_SECRET,
    publishKey: env.LEGACY_PUBLISH_KEY,
    feedState,
    onLog: ({ level, message, details }) => {
      const line = `[legacy-ws] ${level} ${message}${details ? ` ${JSON.stringify(details)}` : ''}\n`;
      (level === 'info' ? process.stdout : process.stderr).write(line);
    },
  });
  process.stdout.write(`[legacy-ws] ready ${server.feedUrl} (publish: ${server.publishUrl})\n`);
  const stop = () => {
    Promise.all([server.close(), feedState?.close()]).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`[legacy-ws] shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
