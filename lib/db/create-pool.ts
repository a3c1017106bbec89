import pg from 'pg';

/**
 * A pg Pool that outlives its server going away (restart, failover, `pg_terminate_backend`).
 * Every long-lived pool in every process is made here, because pg emits `'error'` on two
 * objects and an `'error'` event without a listener ends the Node process:
 *
 * - the pool, for an idle client whose connection dies (pg-pool has already removed it);
 * - the client itself while it is checked out (`pool.connect()` for a transaction): pg-pool
 *   detaches its own listener for that time. The caller's query rejects with the same error,
 *   and the pool discards the broken client on release, so this listener only has to exist.
 *
 * Not `server-only`: the standalone servers (Auth, Realtime, the legacy feed, workers) use it
 * too. It reads no secret; the caller passes the connection string.
 */
export function createPool(config: pg.PoolConfig, onConnectionLost: (error: Error) => void): pg.Pool {
  const pool = new pg.Pool({ connectionTimeoutMillis: 10_000, ...config });
  pool.on('error', (error) => onConnectionLost(error));
  pool.on('connect', (client) => {
    client.on('error', ignoreCheckedOutError);
  });
  return pool;
}

function ignoreCheckedOutError(): void {
  // See createPool: the pending query rejects with this error and the pool drops the client.
}
