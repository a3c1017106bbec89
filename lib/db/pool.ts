import 'server-only';
import pg from 'pg';
import { createPool } from '@/lib/db/create-pool';
import { serverEnv } from '@/lib/env';

// Bigint ids (int8) are far below 2^53 here; hand them to the app as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

const globalForPool = globalThis as unknown as { switchyardPool?: pg.Pool };

/** The server's own connection pool (bypasses RLS: only validated server code writes). */
export function db(): pg.Pool {
  if (!globalForPool.switchyardPool) {
    globalForPool.switchyardPool = createPool({ connectionString: serverEnv().DATABASE_URL, max: 10, idleTimeoutMillis: 30_000 }, (error) =>
      console.error('db: idle connection failed (Postgres restarting?); the pool reconnects on the next query', error.message),
    );
  }
  return globalForPool.switchyardPool;
}
