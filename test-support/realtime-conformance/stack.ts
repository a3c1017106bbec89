import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../throwaway-postgres.js';
import { signApiKey } from '../../servers/local-supabase/secrets.js';
import type { RealtimeLimits } from '../../servers/local-supabase/realtime/limits.js';
import type { RealtimeFaults } from '../../servers/local-supabase/realtime/realtime.js';
import { startRealtimeServer } from '../../servers/local-supabase/realtime/start-realtime-server.js';
import { createConformanceSchema } from './schema.js';

type RunningServer = Awaited<ReturnType<typeof startRealtimeServer>>;

/** One Realtime server (and optionally one Postgres with the suite's tables) per test file. */
export interface ConformanceStack {
  /** `http://127.0.0.1:<port>`: what supabase-js `createClient` takes. */
  url: string;
  port: number;
  jwtSecret: string;
  anonKey: string;
  serviceKey: string;
  /** Server log lines, for failure messages. */
  logs: string[];
  /** The running server's own fault hooks (heartbeat silence, connection drops, channel crash/close). */
  faults(): RealtimeFaults;
  /** Stops the server (all sockets drop) and starts a new one on the same port and database. */
  restartServer(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseStack extends ConformanceStack {
  db: ThrowawayPostgres;
  /** Superuser pool on the same database (writes bypass RLS, like the app's server code). */
  pool: pg.Pool;
  /** `n` fresh integer ids, never handed out before in this file. */
  ids(n: number): number[];
  /** Commits a row in `public.markers` and returns its id. */
  marker(): Promise<number>;
}

export interface StackOptions {
  limits?: Partial<RealtimeLimits>;
}

export async function startStack(options: StackOptions = {}): Promise<ConformanceStack> {
  return startWith(undefined, options);
}

export async function startDatabaseStack(options: StackOptions = {}): Promise<DatabaseStack> {
  const db = await startThrowawayPostgres({ seed: false });
  const pool = new pg.Pool({ connectionString: db.databaseUrl, max: 4 });
  const poolErrors: string[] = [];
  // Idle clients error when Postgres restarts under them (faults suite); the pool replaces them.
  pool.on('error', (error) => poolErrors.push(error.message));
  await createConformanceSchema(pool);
  const stack = await startWith(db.databaseUrl, options);
  stack.logs.push(...poolErrors);
  let nextId = 1_000;
  return {
    ...stack,
    db,
    pool,
    ids(n) {
      const ids = Array.from({ length: n }, (_unused, index) => nextId + index);
      nextId += n;
      return ids;
    },
    async marker() {
      const id = nextId++;
      await pool.query('insert into public.markers (id, label) values ($1, $2)', [id, 'marker']);
      return id;
    },
    async close() {
      await stack.close();
      await pool.end();
      await db.stop();
    },
  };
}

async function startWith(databaseUrl: string | undefined, options: StackOptions): Promise<ConformanceStack> {
  const jwtSecret = randomBytes(32).toString('base64url');
  const logs: string[] = [];
  const start = (port: number) =>
    startRealtimeServer({
      port,
      jwtSecret,
      ...(databaseUrl ? { databaseUrl } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
      onLog: (...args: unknown[]) => {
        logs.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
        if (logs.length > 2_000) logs.splice(0, 1_000);
      },
    });
  let server: RunningServer = await start(0);
  const port = server.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    jwtSecret,
    anonKey: await signApiKey(jwtSecret, 'anon'),
    serviceKey: await signApiKey(jwtSecret, 'service_role'),
    logs,
    faults: () => server.realtime.faults,
    async restartServer() {
      await server.close();
      server = await start(port);
    },
    async close() {
      await server.close();
    },
  };
}
