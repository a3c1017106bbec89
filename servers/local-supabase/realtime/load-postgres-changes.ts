import type { PostgresChanges } from './postgres-changes/contract.js';
import { createPostgresChanges } from './postgres-changes/postgres-changes.js';

/** Starts the postgres_changes extension (its replication slot and decoder) for a Realtime server. */
export async function loadPostgresChanges(databaseUrl: string, onLog: ((line: string) => void) | undefined): Promise<PostgresChanges> {
  try {
    return await createPostgresChanges({ databaseUrl, onLog });
  } catch (error) {
    throw new Error('realtime: cannot start the postgres_changes extension', { cause: error });
  }
}
