import 'server-only';
import pg from 'pg';
import { serverEnv } from '@/lib/env';

// Bigint ids (int8) are far below 2^53 here; hand them to the app as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

const globalForPool = globalThis as unknown as { switchyardPool?: pg.Pool };

/** The server's own connection pool (bypasses RLS: only validated server code writes). */
export function db(): pg.Pool {
  globalForPool.switchyardPool ??= new pg.Pool({ connectionString: serverEnv().DATABASE_URL, max: 10, idleTimeoutMillis: 30_000 });
  return globalForPool.switchyardPool;
}
