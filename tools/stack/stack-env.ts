import type { LocalSecrets } from '../../servers/local-supabase/secrets.js';
import type { StackSettings } from '../../servers/env.js';

/**
 * The environment the app and every helper process get in local mode — what
 * `supabase status -o env` gives for a CLI project, plus Switchyard's own keys.
 */
export function stackEnv(settings: StackSettings, secrets: LocalSecrets): Record<string, string> {
  return {
    SUPABASE_URL: `http://127.0.0.1:${settings.SUPABASE_API_PORT}`,
    SUPABASE_ANON_KEY: secrets.anonKey,
    SUPABASE_SERVICE_ROLE_KEY: secrets.serviceRoleKey,
    SUPABASE_JWT_SECRET: secrets.jwtSecret,
    DATABASE_URL: `postgresql://postgres:${encodeURIComponent(secrets.dbPassword)}@127.0.0.1:${settings.POSTGRES_PORT}/postgres`,
    INGEST_API_KEY: secrets.ingestApiKey,
    LEGACY_WS_URL: `ws://127.0.0.1:${settings.LEGACY_WS_PORT}/v1/feed`,
    LEGACY_PUBLISH_URL: `http://127.0.0.1:${settings.LEGACY_WS_PORT}/internal/publish`,
    LEGACY_PUBLISH_KEY: secrets.legacyPublishKey,
    ROLLOUT_COOKIE_SECRET: secrets.rolloutCookieSecret,
    FLAGS_SECRET: secrets.flagsSecret,
    SWITCHYARD_MODE: 'local',
    APP_URL: `http://127.0.0.1:${settings.APP_PORT}`,
  };
}

/** `KEY=value` lines, the format of `supabase status -o env`. */
export function formatEnv(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([key, value]) => `${key}=${/[\s"'$`\\]/.test(value) ? JSON.stringify(value) : value}`)
    .join('\n');
}
