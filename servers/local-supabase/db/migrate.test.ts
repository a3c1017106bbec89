import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { migrationOrder } from './migrate.js';

describe('migration files', () => {
  it('refuses two migrations with one version (the CLI keys schema_migrations by version alone)', () => {
    expect(() => migrationOrder(['20261202004000_a.sql', '20261202004000_b.sql'])).toThrow(/20261202004000_a\.sql and 20261202004000_b\.sql share version 20261202004000/);
    expect(() => migrationOrder(['not-a-migration.sql'])).toThrow(/is not named <timestamp>_<name>\.sql/);
    expect(migrationOrder(['2_b.sql', 'README.md', '1_a.sql'])).toEqual(['1_a.sql', '2_b.sql']);
  });

  it('holds for the repository’s migrations', async () => {
    const names = await readdir(new URL('../../../supabase/migrations/', import.meta.url));
    expect(migrationOrder(names).length).toBeGreaterThan(10);
  });
});
