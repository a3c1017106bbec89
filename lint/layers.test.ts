import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAYERS, layerZones, renderLayersTable } from './layers.mjs';

const root = path.resolve(import.meta.dirname, '..');
let eslint: ESLint;

beforeAll(() => {
  // The files linted below are virtual (lintText); import/no-cycle reads files from disk, so it
  // is proven separately on a committed fixture.
  eslint = new ESLint({ cwd: root, overrideConfig: { rules: { 'import/no-cycle': 'off' } } });
});

/** Lints `code` as if it were the file at `file` (repository-relative) and returns the rule ids that fired. */
async function rulesFired(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).map((message) => message.ruleId ?? `fatal: ${message.message}`);
}

describe('the layering is held by lint', () => {
  it('a pure engine may not import the database', async () => {
    const fired = await rulesFired('lib/validation/engine/new-rule.ts', "import { getPool } from '@/lib/db/pool';\nexport const x = getPool;\n");
    // lib/db is an earlier row, so the arrow is allowed; the purity rule is what refuses it.
    expect(fired).toContain('@typescript-eslint/no-restricted-imports');
  });

  it('the database layer may not import the engines above it', async () => {
    const fired = await rulesFired('lib/db/new-helper.ts', "import { analyzeObserver } from '@/lib/validation/engine/analyze';\nexport const x = analyzeObserver;\n");
    expect(fired).toContain('import/no-restricted-paths');
  });

  it('a lower folder may not import a higher one (lib/rollout → lib/migration), and the same import from above is fine', async () => {
    const code = "import { checkGates } from '@/lib/migration/gate-runner';\nexport const x = checkGates;\n";
    expect(await rulesFired('lib/rollout/new-rule.ts', code)).toContain('import/no-restricted-paths');
    expect(await rulesFired('app/api/new/route.ts', code)).not.toContain('import/no-restricted-paths');
  });

  it('production code never imports a test kit', async () => {
    const fired = await rulesFired('lib/ingest/new-thing.ts', "import { setAppEnv } from '@/test-support/env';\nexport const x = setAppEnv;\n");
    expect(fired).toContain('import/no-restricted-paths');
  });

  it('@supabase/* code is imported only in lib/supabase (types may be named anywhere)', async () => {
    expect(await rulesFired('app/new/page.tsx', "import { createClient } from '@supabase/supabase-js';\nexport const x = createClient;\n")).toContain('@typescript-eslint/no-restricted-imports');
    expect(await rulesFired('app/new/page.tsx', "import type { SupabaseClient } from '@supabase/supabase-js';\nexport type X = SupabaseClient;\n")).not.toContain('@typescript-eslint/no-restricted-imports');
    expect(await rulesFired('lib/supabase/new-client.ts', "import { createClient } from '@supabase/supabase-js';\nexport const x = createClient;\n")).not.toContain('@typescript-eslint/no-restricted-imports');
  });

  it('browser hooks may use the types of server modules, never their code', async () => {
    expect(await rulesFired('lib/validation/hooks/use-new.ts', "import { buildReport } from '@/lib/validation/store/report';\nexport const x = buildReport;\n")).toContain('@typescript-eslint/no-restricted-imports');
    expect(await rulesFired('lib/validation/hooks/use-new.ts', "import type { MinutePoint } from '@/lib/validation/store/report';\nexport type X = MinutePoint;\n")).not.toContain('@typescript-eslint/no-restricted-imports');
  });

  it('an import cycle is an error', async () => {
    const results = await new ESLint({ cwd: root, ignore: false }).lintFiles(['lint/fixtures/cycle/a.ts']);
    expect(results[0]?.messages.map((message) => message.ruleId)).toContain('import/no-cycle');
  });

  it('the table names each folder once, and every row forbids everything after it', () => {
    const entries = LAYERS.flat();
    expect(new Set(entries).size).toBe(entries.length);
    const zones = layerZones();
    expect(zones).toHaveLength(entries.length);
    const contracts = zones.find((zone) => zone.target === 'contracts/**');
    expect(contracts?.from).toEqual(expect.arrayContaining(['lib/db/**', 'app/**', 'servers/legacy-ws/**', 'test-support/**']));
  });

  it('docs/architecture.md shows exactly these arrows', () => {
    expect(readFileSync(path.join(root, 'docs/architecture.md'), 'utf8')).toContain(renderLayersTable());
  });
});
