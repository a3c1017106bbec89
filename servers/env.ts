import path from 'node:path';
import { z } from 'zod';
// Extensionless: next.config.ts requires this file through Next's CommonJS TypeScript hook, which does not map `.js` to `.ts` (tools/next-config.test.ts).
import { REALTIME_PLANS } from '../lib/plans/realtime-plans';

/**
 * Settings of the standalone processes (`npm run dev`, `npm run stack`): ports, data
 * directory and mode. The only place under servers/ (besides each main.ts) that reads
 * process.env.
 */
const port = z.coerce.number().int().min(1).max(65535);
const schema = z.object({
  SWITCHYARD_MODE: z.enum(['local', 'supabase']).default('local'),
  SWITCHYARD_DATA_DIR: z.string().default('.local'),
  APP_PORT: port.default(3000),
  SUPABASE_API_PORT: port.default(54321),
  POSTGRES_PORT: port.default(54322),
  LEGACY_WS_PORT: port.default(8787),
  SIMULATOR_RATE: z.coerce.number().min(0).max(100_000).default(20),
  SIMULATOR_SEED: z.coerce.number().int().default(42),
  /** Validation analysis window (s); the app reads the same key (lib/env.ts). */
  VALIDATION_WINDOW_SECONDS: z.coerce.number().int().min(10).max(3_600).default(60),
  /** How often the worker analyses closed windows and runs the gates (s). */
  VALIDATION_TICK_SECONDS: z.coerce.number().min(1).max(600).default(15),
  /** Password sign-ins per client address per 5 minutes in the local Auth (GoTrue's `sign_in_sign_ups`). */
  AUTH_SIGN_IN_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(30),
  /** `POST /auth/v1/signup` open in the local Auth (default off, as supabase/config.toml `enable_signup = false`); the admin API works either way. */
  AUTH_ENABLE_SIGNUP: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
  /** The local Realtime's quotas: `local` (generous, for benchmarks) or a Supabase plan's published limits (lib/plans). */
  REALTIME_PLAN: z.enum(['local', ...REALTIME_PLANS]).default('local'),
});

export type StackSettings = z.infer<typeof schema> & { dataDir: string };

export function stackSettings(source: Record<string, string | undefined> = process.env): StackSettings {
  const result = schema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${issue.message}`).join('\n');
    throw new Error(`env: invalid settings for the local stack:\n${problems}`);
  }
  return { ...result.data, dataDir: path.resolve(result.data.SWITCHYARD_DATA_DIR) };
}

/** Where `next dev` reads its tsconfig: beside its distDir (Turbopack does not read inside the distDir). */
export function devTsconfigPath(distDir: string): string {
  return `${distDir}.tsconfig.json`;
}

/**
 * Next's distDir and tsconfig (relative to the project), for next.config.ts: tools/dev.ts
 * sets `SWITCHYARD_NEXT_DIST_DIR` for `next dev`, so it never shares `.next` with `next build`.
 */
export function nextDevPaths(source: Record<string, string | undefined> = process.env): { distDir: string; tsconfigPath: string } | null {
  const value = source.SWITCHYARD_NEXT_DIST_DIR;
  if (value === undefined || value === '') return null;
  if (path.isAbsolute(value) || value.split(/[\\/]/).includes('..')) throw new Error(`env: SWITCHYARD_NEXT_DIST_DIR must be a path inside the project, got ${value}`);
  return { distDir: value, tsconfigPath: devTsconfigPath(value) };
}

/** The whole process environment, for handing down to child processes. */
export function inheritedEnv(): Record<string, string | undefined> {
  return { ...process.env };
}

const url = (protocols: RegExp) => z.url({ protocol: protocols });

/**
 * Supabase's transaction-mode pooler (Supavisor, port 6543) or any URL marked `pgbouncer=true`:
 * consecutive statements may run on different backends, so a session lock taken on one would
 * not be held by the next — two workers could both believe they lead.
 */
export function isTransactionPooler(databaseUrl: string): boolean {
  try {
    const parsed = new URL(databaseUrl);
    return parsed.port === '6543' || parsed.searchParams.get('pgbouncer') === 'true';
  } catch {
    return false;
  }
}
const secret = z.string().min(20, 'must be at least 20 characters');
const workerSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (a direct or session-mode connection: the leader lease is a session advisory lock)')
    .refine((value) => !isTransactionPooler(value), 'is a transaction-mode pooler (port 6543 or pgbouncer=true): the leader lease needs a direct or session-mode connection (port 5432)'),
  SUPABASE_URL: url(/^https?$/),
  SUPABASE_ANON_KEY: secret,
  SUPABASE_SERVICE_ROLE_KEY: secret,
  SUPABASE_JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  LEGACY_WS_URL: url(/^wss?$/),
  /** The app (any instance, or its load balancer): the probe posts its samples to `${APP_URL}/api/validation/samples`. */
  APP_URL: url(/^https?$/),
  VALIDATION_WINDOW_SECONDS: schema.shape.VALIDATION_WINDOW_SECONDS,
  VALIDATION_TICK_SECONDS: schema.shape.VALIDATION_TICK_SECONDS,
  /** How often a follower tries to take the leader lease (s); the handover after a leader dies takes at most this. */
  WORKER_LEASE_RETRY_SECONDS: z.coerce.number().min(0.2).max(60).default(5),
  /**
   * How long a leader cut off from Postgres keeps its jobs running while it tries to take the
   * lease back (s). Its term lasts this + 15 s past its last renewal, and no other worker
   * starts jobs before that: the handover after a leader dies takes up to this + 15 s + the retry.
   */
  WORKER_LEASE_RECLAIM_SECONDS: z.coerce.number().min(2).max(300).default(30),
});

export type WorkerSettings = z.infer<typeof workerSchema>;

/** `npm run worker`'s settings, or an error listing every missing or invalid key. */
export function workerSettings(source: Record<string, string | undefined> = process.env): WorkerSettings {
  const result = workerSchema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${source[String(issue.path[0])] === undefined ? 'missing' : issue.message}`);
  throw new Error(`env: the worker cannot start; fix these keys (see docs/deploy.md):\n${problems.join('\n')}`);
}
