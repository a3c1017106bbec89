import type { PostgresChanges } from './postgres-changes/contract.js';

type PostgresChangesModule = {
  createPostgresChanges(options: { databaseUrl: string; onLog?: (line: string) => void }): PostgresChanges | Promise<PostgresChanges>;
};

/**
 * The extension lives in its own module (`postgres-changes/postgres-changes.ts`), loaded lazily.
 * Resolves undefined if that module is absent (postgres bindings then get the `system` error),
 * so a server mounting `createRealtime` can start before the extension exists.
 */
export async function loadPostgresChanges(databaseUrl: string, onLog: ((line: string) => void) | undefined): Promise<PostgresChanges | undefined> {
  const modulePath = './postgres-changes/postgres-changes.js';
  let extensionModule: PostgresChangesModule;
  try {
    extensionModule = (await import(modulePath)) as PostgresChangesModule;
  } catch (error) {
    const missing = error instanceof Error && /Cannot find module|ERR_MODULE_NOT_FOUND|Failed to load url/.test(`${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}`);
    if (!missing || !error.message.includes('postgres-changes')) throw new Error('realtime: cannot load the postgres_changes extension', { cause: error });
    onLog?.('realtime: postgres_changes extension not available; postgres bindings will get a system error');
    return undefined;
  }
  try {
    return await extensionModule.createPostgresChanges({ databaseUrl, onLog });
  } catch (error) {
    throw new Error('realtime: cannot start the postgres_changes extension', { cause: error });
  }
}
