import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { SignJWT, decodeJwt } from 'jose';
import WebSocket from 'ws';
import { signApiKey } from '../../servers/local-supabase/secrets.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../throwaway-postgres.js';
import { startAuthServer, type RunningAuthServer } from './start-auth-server.js';

export const ADMIN = { email: 'admin@switchyard.local', password: 'switchyard-admin' } as const;
export const VIEWER = { email: 'viewer@switchyard.local', password: 'switchyard-viewer' } as const;

/** A seeded Postgres, project keys, and Auth servers on free ports, for black-box tests. */
export interface AuthStack {
  postgres: ThrowawayPostgres;
  jwtSecret: string;
  anonKey: string;
  serviceRoleKey: string;
  /** Starts another Auth server on the same database (e.g. with another reuse interval). */
  startServer(options?: { refreshTokenReuseIntervalSeconds?: number; signInAttemptsPerFiveMinutes?: number; enableSignup?: boolean }): Promise<RunningAuthServer>;
  stop(): Promise<void>;
}

export async function startAuthStack(): Promise<AuthStack> {
  const postgres = await startThrowawayPostgres();
  const jwtSecret = 'test-jwt-secret-with-at-least-32-characters';
  const anonKey = await signApiKey(jwtSecret, 'anon');
  const serviceRoleKey = await signApiKey(jwtSecret, 'service_role');
  const servers: RunningAuthServer[] = [];
  return {
    postgres,
    jwtSecret,
    anonKey,
    serviceRoleKey,
    async startServer(options = {}) {
      const server = await startAuthServer({ port: 0, databaseUrl: postgres.databaseUrl, jwtSecret, anonKey, serviceRoleKey, ...options });
      servers.push(server);
      return server;
    },
    async stop() {
      await Promise.all(servers.map((server) => server.close()));
      await postgres.stop();
    },
  };
}

/** The official client as the app configures it on the server: no storage, no timers. */
export function officialClient(url: string, anonKey: string): SupabaseClient {
  return createClient(url, anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as never },
  });
}

/** Re-signs `token`'s claims with `changes` applied, using `secret` (HS256). */
export async function resign(token: string, secret: string, changes: Record<string, unknown>): Promise<string> {
  return new SignJWT({ ...decodeJwt(token), ...changes }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}
