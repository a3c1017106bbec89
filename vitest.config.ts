import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { '@': fileURLToPath(new URL('./', import.meta.url)), 'server-only': fileURLToPath(new URL('./test-support/server-only-stub.ts', import.meta.url)) } },
  test: {
    include: ['{app,lib,servers,tools,components,test-support,bench,lint}/**/*.test.{ts,tsx}'],
    environment: 'node',
    // The Flags SDK imports `next/headers` without an extension, which Node's ESM resolver refuses (next has no exports map): let Vite resolve it.
    server: { deps: { inline: ['flags'] } },
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
