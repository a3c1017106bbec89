import type pg from 'pg';
import { createPool } from '../../../../lib/db/create-pool.js';
import { SESSION_OPTIONS } from './session-options.js';

const RETRY_DELAYS_MS = [50, 100, 250, 500, 1_000, 2_000];
const RETRY_DEADLINE_MS = 30_000;
/** Keeps every value in Postgres text output format (filter canonicalisation needs exactly that). */
const RAW_TYPES = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

/** The extension's ordinary (non-replication) connections; retries while Postgres is unreachable. */
export interface QueryPool {
  query<Row extends object = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<Row[]>;
  /** Like query, but values come back as Postgres text output. */
  queryText(sql: string, values?: unknown[]): Promise<Array<Record<string, string | null>>>;
  /** Several `;`-separated statements in one round trip (simple protocol); one result per statement. */
  multi(sql: string): Promise<pg.QueryResult[]>;
  close(): Promise<void>;
}

export function createQueryPool(databaseUrl: string, log: (line: string) => void, max = 4): QueryPool {
  // Idle connections die when Postgres restarts; the pool replaces them on the next query.
  const pool = createPool({ connectionString: databaseUrl, max, options: SESSION_OPTIONS, idleTimeoutMillis: 30_000 } as pg.PoolConfig, (error) =>
    log(`realtime: postgres_changes: idle connection lost: ${error.message}`),
  );
  let closed = false;

  const withRetry = async <T>(run: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await run();
      } catch (error) {
        if (closed || !isConnectionError(error) || Date.now() - started > RETRY_DEADLINE_MS) throw error;
        const delay = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)]!;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };

  return {
    query: (sql, values) => withRetry(async () => (await pool.query(sql, values)).rows),
    queryText: (sql, values) => withRetry(async () => (await pool.query({ text: sql, values, types: RAW_TYPES })).rows as Array<Record<string, string | null>>),
    multi: (sql) =>
      withRetry(async () => {
        const result = (await pool.query(sql)) as unknown as pg.QueryResult | pg.QueryResult[];
        return Array.isArray(result) ? result : [result];
      }),
    async close() {
      closed = true;
      await pool.end();
    },
  };
}

/** Errors that mean "the connection or server is gone", not "this SQL failed". */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03';
  return true;
}
