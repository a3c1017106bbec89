/**
 * The allowed arrows between folders, as one table. A folder imports only folders in
 * earlier rows (its own files excepted); folders in the same row do not import each other.
 * So the folder graph is a DAG by construction, and `import/no-cycle` keeps files honest
 * inside a folder. docs/architecture.md renders this table; change both together.
 *
 * Paths are repository-relative; a trailing `/*.ts` means the folder's own files only
 * (its subfolders are separate rows).
 */
export const LAYERS = [
  // 0 — what crosses a process boundary, and leaf utilities with no dependencies.
  ['contracts', 'lib/assert-never.ts', 'lib/env.ts', 'lib/plans', 'lib/retry', 'lib/routing', 'lib/stats', 'lib/text'],
  // 1 — the database connection.
  ['lib/db'],
  // 2 — HTTP plumbing for routes (errors, bodies, limits); maps database outages to 503.
  ['lib/api'],
  // 3 — the Supabase client wrappers (the only place @supabase/* is imported).
  ['lib/supabase'],
  // 4 — who is calling.
  ['lib/auth'],
  // 5 — pure rollout rules and the browser feed core.
  ['lib/rollout/*.ts', 'lib/monitoring/*.ts'],
  // 6 — what builds on those: rollout on the server and at the edge, the read path,
  //     the validation engine (pure), the two browser transports, the dashboard series.
  ['lib/rollout/server', 'lib/rollout/edge', 'lib/event-history', 'lib/validation/engine', 'lib/monitoring/transports', 'lib/dashboard'],
  // 7 — stores and services on top of the engine; retention and the series read path.
  ['lib/validation/store', 'lib/ingest', 'lib/retention', 'lib/series'],
  // 8 — the migration: the gate runner and the gated admin change.
  ['lib/migration'],
  // 9 — browser data hooks over the API routes (types only from the server rows below).
  ['lib/swr'],
  // 10 — the React hooks that run the feed and the sampler.
  ['lib/monitoring/hooks', 'lib/validation/hooks'],
  // 11 — shared UI.
  ['components'],
  // 12 — the Next app: routes, pages and their private UI; the edge middleware.
  ['app', 'middleware.ts', 'instrumentation.ts'],
  // 13 — standalone servers; each is its own process (shared helpers in servers/*.ts).
  ['servers/*.ts'],
  ['servers/legacy-ws', 'servers/local-supabase', 'servers/probe', 'servers/simulator'],
  // 13b — the worker process: the leader lease and the jobs it runs (the probe, validation, housekeeping).
  ['servers/worker'],
  // 14 — the orchestrator and CLIs that start servers.
  ['tools'],
];

/** Tests, benchmarks and kits: free to import anything above; nothing above imports them. */
export const TEST_ONLY = ['test-support', 'bench', 'e2e', 'lint'];

export const TEST_FILES = ['**/*.test.ts', '**/*.test.tsx', 'test-support/**', 'bench/**', 'e2e/**', 'lint/**', 'playwright.config.ts', 'vitest.config.ts'];

export const PRODUCTION_FILES = ['**/*.ts', '**/*.tsx'];

const asTarget = (entry) => (entry.endsWith('.ts') && !entry.includes('*') ? entry : entry.endsWith('/*.ts') ? entry : `${entry}/**`);

/** `from` globs: a folder row means everything under it. */
const asFrom = (entry) => (entry.endsWith('/*.ts') ? entry : entry.endsWith('.ts') ? entry.replace(/\.ts$/, '.@(ts|tsx)') : `${entry}/**`);

/** One `import/no-restricted-paths` zone per row entry: nothing from its own row or later rows, nor from tests. */
export function layerZones() {
  const zones = [];
  LAYERS.forEach((row, level) => {
    const later = LAYERS.slice(level + 1).flat();
    for (const entry of row) {
      const siblings = row.filter((other) => other !== entry);
      const forbidden = [...siblings, ...later, ...TEST_ONLY];
      zones.push({
        target: asTarget(entry),
        from: forbidden.map(asFrom),
        message: `${entry} (row ${level} of lint/layers.mjs) may import only earlier rows; see docs/architecture.md.`,
      });
    }
  });
  return zones;
}

/** The allowed arrows as the Markdown table docs/architecture.md shows (lint/layers.test.ts keeps the two equal). */
export function renderLayersTable() {
  const lines = ['| row | folders | may import |', '|---|---|---|'];
  LAYERS.forEach((row, level) => {
    const reach = level === 0 ? '— (leaves)' : level === 1 ? 'row 0' : `rows 0–${level - 1}`;
    lines.push(`| ${level} | ${row.map((entry) => `\`${entry}\``).join(', ')} | ${reach} |`);
  });
  lines.push(`| tests | ${TEST_ONLY.map((entry) => `\`${entry}\``).join(', ')}, \`**/*.test.ts\` | anything; nothing above imports them |`);
  return lines.join('\n');
}
