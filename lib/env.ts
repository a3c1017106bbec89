import { z } from 'zod';

/**
 * The one place that reads `process.env`. Parsed lazily (so `next build` works without a
 * running stack) and checked at server start by `instrumentation.ts`, which fails fast
 * listing every missing or invalid key.
 */
const serverEnvSchema = z.object({
  SUPABASE_URL: z.url({ protocol: /^https?$/ }),
  SUPABASE_ANON_KEY: z.string().min(20),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(20),
  SUPABASE_JWT_SECRET: z.string().min(32),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  INGEST_API_KEY: z.string().min(32).optional(),
  LEGACY_WS_URL: z.url({ protocol: /^wss?$/ }),
  LEGACY_PUBLISH_URL: z.url({ protocol: /^https?$/ }),
  LEGACY_PUBLISH_KEY: z.string().min(32),
  ROLLOUT_COOKIE_SECRET: z.string().min(32),
  FLAGS_SECRET: z.string().min(32).optional(),
  SWITCHYARD_MODE: z.enum(['local', 'supabase']).default('local'),
  /** Length of a validation analysis window; the worker must use the same (lib/validation/window.ts). */
  VALIDATION_WINDOW_SECONDS: z.coerce.number().int().min(10).max(3_600).default(60),
  /** Where the app reaches itself (middleware → config snapshot); never taken from the Host header. */
  APP_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3000'),
});

export type ServerEnv = z.infer<typeof serverEnvSchema>;

const KEYS = Object.keys(serverEnvSchema.shape) as Array<keyof ServerEnv>;
let cached: { fingerprint: string; env: ServerEnv } | undefined;

/** The parsed environment, parsed again only when one of its keys changed (a microsecond's check). */
export function serverEnv(): ServerEnv {
  const fingerprint = KEYS.map((key) => process.env[key] ?? '\u0001').join('\u0000');
  if (cached?.fingerprint !== fingerprint) cached = { fingerprint, env: parseServerEnv(process.env) };
  return cached.env;
}

export function parseServerEnv(source: Record<string, string | undefined>): ServerEnv {
  const result = serverEnvSchema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${source[String(issue.path[0])] === undefined ? 'missing' : issue.message}`);
    throw new Error(
      `env: the server cannot start; fix these keys (see .env.example and docs/deploy.md, or run \`npm run dev\` for the local stack):\n${problems.join('\n')}`,
    );
  }
  return result.data;
}

/** Secrets published in Supabase's docs and self-hosting examples: anyone can sign tokens with them. */
const PUBLIC_DEMO_SECRETS = new Set(['super-secret-jwt-token-with-at-least-32-characters-long', 'your-super-secret-jwt-token-with-at-least-32-characters-long']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * What a deployment (`npm start`) must also get right beyond the schema (review L7): the mode
 * named explicitly (a forgotten key must not silently mean `local`), and in `supabase` mode
 * TLS on every URL that leaves the host and no publicly known JWT secret. Empty when fine;
 * each entry names its key. Never echoes a value.
 */
export function deploymentProblems(source: Record<string, string | undefined> = process.env): string[] {
  const env = parseServerEnv(source);
  const problems: string[] = [];
  if (source.SWITCHYARD_MODE === undefined) problems.push('SWITCHYARD_MODE: missing (set `supabase` for a hosted project, or `local` for the local stack)');
  if (env.SWITCHYARD_MODE !== 'supabase') return problems;
  const secure = { SUPABASE_URL: 'https:', APP_URL: 'https:', LEGACY_PUBLISH_URL: 'https:', LEGACY_WS_URL: 'wss:' } as const;
  for (const [key, protocol] of Object.entries(secure) as Array<[keyof typeof secure, string]>) {
    const url = new URL(env[key]);
    if (url.protocol !== protocol && !LOOPBACK.has(url.hostname)) problems.push(`${key}: must use ${protocol.slice(0, -1)}:// when it leaves this host`);
  }
  if (PUBLIC_DEMO_SECRETS.has(env.SUPABASE_JWT_SECRET)) problems.push('SUPABASE_JWT_SECRET: a publicly known demo secret; use the project\'s own');
  return problems;
}

/** What the browser may know: URLs and the public anon key, never a secret. */
export interface PublicConfig {
  supabaseUrl: string;
  supabaseAnonKey: string;
  legacyWsUrl: string;
}

export function publicConfig(env: ServerEnv = serverEnv()): PublicConfig {
  return { supabaseUrl: env.SUPABASE_URL, supabaseAnonKey: env.SUPABASE_ANON_KEY, legacyWsUrl: env.LEGACY_WS_URL };
}
