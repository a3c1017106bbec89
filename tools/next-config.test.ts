import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('next.config.ts', () => {
  // Next transpiles the config to CommonJS and requires what it imports with its own TypeScript
  // hook: a `.js`-suffixed relative import anywhere in that graph (the ESM convention of servers/)
  // does not resolve there, and `next build`, `next dev` and every e2e web server fail to start.
  it('loads through Next’s own config loader', async () => {
    const { default: loadConfig } = await import('next/dist/server/config.js');
    const { PHASE_PRODUCTION_BUILD } = await import('next/dist/shared/lib/constants.js');
    const config = await loadConfig(PHASE_PRODUCTION_BUILD, ROOT);
    expect(config.poweredByHeader).toBe(false);
    expect(config.experimental?.authInterrupts).toBe(true);
  }, 60_000);
});
