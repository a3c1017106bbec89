import type { NextConfig } from 'next';
import { nextDevPaths } from './servers/env';

// `next dev` under tools/dev.ts builds into its data dir (tools/stack/next-dist-dir.ts);
// `next build` / `next start` keep `.next`. The dev tsconfig beside it extends ours, so Next
// adds its per-distDir type globs to that copy instead of rewriting tsconfig.json.
const dev = nextDevPaths();

const nextConfig: NextConfig = {
  distDir: dev?.distDir,
  // The servers/ folder holds standalone Node processes; Next only builds app/.
  typedRoutes: false,
  poweredByHeader: false,
  devIndicators: false,
  // `npm test` type-checks the whole repo (app, lib, servers) in its own step.
  typescript: { ignoreBuildErrors: true, ...(dev ? { tsconfigPath: dev.tsconfigPath } : {}) },
  // forbidden() → 403 for viewers on admin pages.
  experimental: { authInterrupts: true },
};

export default nextConfig;
