import { randomBytes } from 'node:crypto';

/** The app's env (lib/env.ts) for benches that import route handlers or `lib/db/pool`; set before the first import. */
export function setBenchAppEnv(options: { databaseUrl: string; publishUrl?: string; publishKey?: string }): void {
  Object.assign(process.env, {
    SUPABASE_URL: 'http://127.0.0.1:9',
    SUPABASE_ANON_KEY: 'anon-key-anon-key-anon-key',
    SUPABASE_SERVICE_ROLE_KEY: 'service-key-service-key-service-key',
    SUPABASE_JWT_SECRET: randomBytes(32).toString('base64url'),
    DATABASE_URL: options.databaseUrl,
    LEGACY_WS_URL: 'ws://127.0.0.1:9/v1/feed',
    LEGACY_PUBLISH_URL: options.publishUrl ?? 'http://127.0.0.1:9/internal/publish',
    LEGACY_PUBLISH_KEY: options.publishKey ?? randomBytes(32).toString('base64url'),
    ROLLOUT_COOKIE_SECRET: randomBytes(32).toString('base64url'),
  });
}
