import next from 'eslint-config-next';
import { layerZones, PRODUCTION_FILES, TEST_FILES } from './lint/layers.mjs';

/**
 * The layering of docs/architecture.md, held by lint. `lint/layers.mjs` is the one table of
 * which folder may import which; `lint/layers.test.ts` proves each rule bites on a fixture.
 */
const config = [
  {
    ignores: ['.next/**', '.next-*/**', '.local/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'lint/fixtures/**'],
  },
  ...next,
  // Playwright fixtures receive a callback named `use`; it is not React's `use` hook.
  { files: ['e2e/**'], rules: { 'react-hooks/rules-of-hooks': 'off' } },

  // Folder arrows: a folder imports only folders below it in the table (tests are free to
  // reach into what they test; production code never reaches into tests).
  {
    files: PRODUCTION_FILES,
    ignores: TEST_FILES,
    rules: { 'import/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layerZones() }] },
  },

  // A function longer than 80 lines says why (`eslint-disable-next-line max-lines-per-function -- reason`).
  {
    files: PRODUCTION_FILES,
    ignores: TEST_FILES,
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }] },
  },

  // No import cycles between files (and so none between folders).
  { files: ['**/*.{ts,tsx,mjs}'], rules: { 'import/no-cycle': ['error', { ignoreExternal: true }] } },

  // The Supabase clients are wrapped in one place: lib/supabase/ (the clients and the
  // session cookie) and the Realtime transport. Everything else talks to those wrappers.
  {
    files: ['app/**', 'components/**', 'lib/**', 'middleware.ts', 'instrumentation.ts', 'servers/probe/**', 'servers/legacy-ws/**', 'tools/**'],
    ignores: ['lib/supabase/**', 'lib/monitoring/transports/realtime-transport.ts', ...TEST_FILES],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['@supabase/*'], allowTypeImports: true, message: 'Use the wrappers in lib/supabase/ (or the Realtime transport); @supabase/* code lives only there (its types may be named anywhere).' }],
      }],
    },
  },

  // Engines are pure: no database, no React, no framework, no clock-free I/O.
  {
    files: ['contracts/**', 'lib/validation/engine/**', 'lib/rollout/*.ts', 'lib/retry/**', 'lib/stats/**', 'lib/text/**'],
    ignores: TEST_FILES,
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['pg', 'pg-*', 'react', 'react-dom', 'next', 'next/*', 'swr', 'server-only', '@/lib/db/*', '**/store/*'], message: 'Engines and contracts are pure: no database, no React, no framework. Put I/O in a store or a route.' },
          { group: ['@supabase/*'], message: 'Use the wrappers in lib/supabase/.' },
        ],
      }],
    },
  },

  // Stores run SQL on the server; they never hold React.
  {
    files: ['lib/**/store/**', 'lib/db/**', 'lib/migration/**', 'lib/rollout/server/**', 'lib/ingest/**', 'lib/event-history/**'],
    ignores: TEST_FILES,
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['react', 'react-dom', 'swr'], message: 'Stores and server services hold no React; hooks live in lib/**/hooks or lib/swr.' }],
      }],
    },
  },

  // Client hooks and UI may use the types of server modules, never their code.
  {
    files: ['lib/swr/**', 'lib/**/hooks/**', 'components/**', 'app/**/_components/**'],
    ignores: TEST_FILES,
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          {
            group: ['pg', 'server-only', '@/lib/db/*', '@/lib/**/store/*', '@/lib/migration/*', '@/lib/rollout/server/*', '@/lib/ingest/*', '@/lib/event-history/*'],
            allowTypeImports: true,
            message: 'Browser code may import only the types of server modules; fetch their data through an API route.',
          },
          { group: ['@supabase/*'], allowTypeImports: true, message: 'Use the wrappers in lib/supabase/ (or the Realtime transport).' },
        ],
      }],
    },
  },
];

export default config;
