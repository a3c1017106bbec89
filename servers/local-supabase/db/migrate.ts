import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const BOOTSTRAP = fileURLToPath(new URL('./bootstrap.sql', import.meta.url));
/** The `realtime` schema (Broadcast from Database, private-channel policies), as hosted projects have it. */
const REALTIME_SCHEMA = fileURLToPath(new URL('./realtime-schema.sql', import.meta.url));

export interface MigrateOptions {
  databaseUrl: string;
  /** Folder holding `migrations/` and `seed.sql` (the Supabase CLI layout). */
  supabaseDir: string;
  /** Run `seed.sql` (local mode only: it holds the demo accounts). */
  seed: boolean;
  onProgress?: (message: string) => void;
}

export interface MigrateResult {
  applied: string[];
  skipped: number;
}

/**
 * Bootstraps a Supabase-shaped database, applies `supabase/migrations/*.sql` in file-name
 * order (each in its own transaction, recorded in `supabase_migrations.schema_migrations`
 * like the Supabase CLI), then runs `seed.sql`. Safe to run on every start.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const dir = path.join(options.supabaseDir, 'migrations');
  const files = migrationOrder(await readdir(dir));
  const client = new pg.Client({ connectionString: options.databaseUrl });
  // A connection lost between statements rejects the next query; without a listener it would also crash the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await runFile(client, BOOTSTRAP, 'bootstrap.sql');
    await runFile(client, REALTIME_SCHEMA, 'realtime-schema.sql');
    const done = new Set(
      (await client.query<{ version: string }>('select version from supabase_migrations.schema_migrations')).rows.map((row) => row.version),
    );
    const applied: string[] = [];
    for (const file of files) {
      const { version, name } = parseMigrationName(file);
      if (done.has(version)) continue;
      const sql = await readFile(path.join(dir, file), 'utf8');
      await client.query('begin');
      try {
        await client.query(sql);
        await client.query('insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)', [version, name, [sql]]);
        await client.query('commit');
      } catch (cause) {
        await client.query('rollback');
        throw new Error(`migrate: ${file} failed: ${describePgError(cause)}`, { cause });
      }
      applied.push(file);
      options.onProgress?.(`applied ${file}`);
    }
    if (options.seed) await runFile(client, path.join(options.supabaseDir, 'seed.sql'), 'seed.sql');
    return { applied, skipped: files.length - applied.length };
  } finally {
    await client.end();
  }
}

async function runFile(client: pg.Client, file: string, label: string): Promise<void> {
  const sql = await readFile(file, 'utf8');
  try {
    await client.query(sql);
  } catch (cause) {
    throw new Error(`migrate: ${label} failed: ${describePgError(cause)}`, { cause });
  }
}

/**
 * The migration files in the order they apply, refusing two with one version: the CLI keys
 * `schema_migrations` by the version alone, so the second would fail or be skipped on a
 * project where the first already ran. Checked before anything is applied.
 */
export function migrationOrder(names: string[]): string[] {
  const files = names.filter((name) => name.endsWith('.sql')).sort();
  const byVersion = new Map<string, string>();
  for (const file of files) {
    const { version } = parseMigrationName(file);
    const other = byVersion.get(version);
    if (other) throw new Error(`migrate: ${other} and ${file} share version ${version}; give one a later timestamp`);
    byVersion.set(version, file);
  }
  return files;
}

function parseMigrationName(file: string): { version: string; name: string } {
  const match = /^(\d+)_(.+)\.sql$/.exec(file);
  if (!match?.[1] || !match[2]) throw new Error(`migrate: ${file} is not named <timestamp>_<name>.sql as the Supabase CLI requires`);
  return { version: match[1], name: match[2] };
}

function describePgError(error: unknown): string {
  if (error instanceof Error) {
    const pgError = error as Error & { position?: string; detail?: string; hint?: string };
    return [pgError.message, pgError.detail, pgError.hint && `hint: ${pgError.hint}`, pgError.position && `at character ${pgError.position}`]
      .filter(Boolean)
      .join(' — ');
  }
  return String(error);
}
