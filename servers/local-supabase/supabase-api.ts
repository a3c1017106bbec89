import { createPool } from '../../lib/db/create-pool.js';
import { startApiServer, type ApiModule, type RunningApi } from './api-server.js';
import { createAuth } from './auth/auth.js';
import { createControlApi, createPostgresControlApi, type PostgresControl, type RealtimeControl } from './control-api.js';
import { createDatabaseBroadcast } from './realtime/database-broadcast/database-broadcast.js';
import { loadPostgresChanges } from './realtime/load-postgres-changes.js';
import { profileLimits, type RealtimeProfile } from './realtime/limits.js';
import { createRealtime } from './realtime/realtime.js';
import type { LocalSecrets } from './secrets.js';

export interface SupabaseApiOptions {
  port: number;
  databaseUrl: string;
  secrets: LocalSecrets;
  /** Password sign-ins per client address per 5 minutes (default 30, like GoTrue). */
  signInAttemptsPerFiveMinutes?: number;
  /** `POST /auth/v1/signup` open (default off, as supabase/config.toml). */
  enableSignup?: boolean;
  /** Realtime quotas: `local` (generous, default) or a Supabase plan's published limits. */
  realtimeProfile?: RealtimeProfile;
  /** Mounts `POST /__switchyard/postgres` (restart drills) when the stack owns the Postgres process. */
  postgres?: PostgresControl;
  onLog?: (line: string) => void;
}

/**
 * The local stand-in for `supabase start`'s API on one port: `/auth/v1/*` (GoTrue
 * endpoints), `/realtime/v1/*` (Phoenix channels, postgres_changes from logical
 * replication, broadcast, Broadcast from Database with `realtime.messages` policies, presence) and local-only fault controls (Realtime outage,
 * Postgres restart).
 */
export async function startSupabaseApi(options: SupabaseApiOptions): Promise<RunningApi> {
  const postgresChanges = await loadPostgresChanges(options.databaseUrl, options.onLog);
  const database = await createDatabaseBroadcast({ databaseUrl: options.databaseUrl, onLog: options.onLog });
  // Listen only once the slot exists: every message committed after start-up is then delivered.
  await database.ready;
  const realtime = createRealtime({ jwtSecret: options.secrets.jwtSecret, postgresChanges, database, limits: profileLimits(options.realtimeProfile ?? 'local'), onLog: options.onLog });
  const control: RealtimeControl = { outage: false };
  const realtimeModule: ApiModule = {
    name: 'realtime',
    handleHttp: (req, res) => realtime.handleHttp(req, res),
    handleUpgrade(req, socket, head) {
      if (control.outage && /^\/(realtime\/v1|socket)\/websocket/.test(req.url ?? '')) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"error":"Realtime is restarting, please standby"}');
        return true;
      }
      return realtime.handleUpgrade(req, socket, head);
    },
    async close() {
      await realtime.close();
      await postgresChanges?.close();
      await database.close();
    },
  };
  const pool = createPool({ connectionString: options.databaseUrl, max: 5 }, (error) => options.onLog?.(`[auth] idle database connection failed: ${error.message}`));
  const auth = createAuth({ pool, jwtSecret: options.secrets.jwtSecret, anonKey: options.secrets.anonKey, serviceRoleKey: options.secrets.serviceRoleKey, signInAttemptsPerFiveMinutes: options.signInAttemptsPerFiveMinutes, enableSignup: options.enableSignup ?? false, onLog: options.onLog });
  const authModule: ApiModule = {
    name: 'auth',
    handleHttp: (req, res) => auth.handle(req, res),
    async close() {
      await auth.close();
      await pool.end();
    },
  };
  const modules: ApiModule[] = [
    authModule,
    createControlApi(realtime, control, options.secrets.jwtSecret),
    ...(options.postgres ? [createPostgresControlApi(options.postgres, options.secrets.jwtSecret)] : []),
    realtimeModule,
  ];
  return startApiServer({ port: options.port, modules, onLog: options.onLog });
}
