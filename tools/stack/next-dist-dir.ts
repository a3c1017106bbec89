import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { devTsconfigPath } from '../../servers/env.js';
import { parseJsonOrNull } from '../../servers/parse-json.js';

const stampSchema = z.object({ nextVersion: z.string(), state: z.enum(['running', 'stopped']), pid: z.number().int() });
const STAMP = 'switchyard-dev.json';

export interface DevDistDir {
  /** Relative to the project root: what `SWITCHYARD_NEXT_DIST_DIR` tells next.config.ts. */
  distDir: string;
  /** After Next stopped: clean stops keep the compile cache; anything else has it cleared next time. */
  markStopped(clean: boolean): Promise<void>;
}

/**
 * `next dev` gets its own distDir per data dir (`<dataDir>/next`; Next adds `/dev`), apart
 * from `.next`, which `next build` / `next start` (e2e, benchmarks) keep. Before it starts, a
 * dir this run cannot vouch for is cleared: not stamped by tools/dev.ts, written by another
 * Next version, holding a production build, or left by a run that did not stop cleanly (a
 * half-written dev cache is what made pages reload forever on "hash mismatch").
 */
export async function prepareDevDistDir(options: { root: string; dataDir: string; log: (line: string) => void }): Promise<DevDistDir> {
  const absolute = path.join(options.dataDir, 'next');
  const distDir = path.relative(options.root, absolute);
  if (distDir.startsWith('..') || path.isAbsolute(distDir)) {
    throw new Error(`dev: SWITCHYARD_DATA_DIR (${options.dataDir}) must be inside the project for next dev: Next keeps its distDir (${absolute}) there`);
  }
  const nextVersion = await installedNextVersion(options.root);
  const stale = await staleReason(absolute, nextVersion);
  if (stale) {
    options.log(`clearing ${distDir}: ${stale}`);
    await rm(absolute, { recursive: true, force: true });
  }
  const stamp = (state: 'running' | 'stopped') => writeFile(path.join(absolute, STAMP), `${JSON.stringify({ nextVersion, state, pid: process.pid })}\n`);
  await mkdir(absolute, { recursive: true });
  const tsconfig = path.join(options.root, devTsconfigPath(distDir));
  await writeFile(tsconfig, `${JSON.stringify({ extends: path.relative(path.dirname(tsconfig), path.join(options.root, 'tsconfig.json')) }, null, 2)}\n`);
  await stamp('running');
  return {
    distDir,
    async markStopped(clean) {
      if (clean) await stamp('stopped');
    },
  };
}

async function staleReason(dir: string, nextVersion: string): Promise<string | null> {
  if (!existsSync(dir)) return null;
  if (existsSync(path.join(dir, 'BUILD_ID'))) return 'it holds a production build (next build)';
  let text: string;
  try {
    text = await readFile(path.join(dir, STAMP), 'utf8');
  } catch {
    return 'it was not written by tools/dev.ts';
  }
  const stamp = stampSchema.safeParse(parseJsonOrNull(text));
  if (!stamp.success) return 'its stamp is unreadable';
  if (stamp.data.nextVersion !== nextVersion) return `it was written by Next ${stamp.data.nextVersion} (installed: ${nextVersion})`;
  if (stamp.data.state === 'running') return `the run that used it (pid ${stamp.data.pid}) did not stop cleanly`;
  return null;
}

async function installedNextVersion(root: string): Promise<string> {
  const manifest = z.object({ version: z.string() }).parse(JSON.parse(await readFile(path.join(root, 'node_modules/next/package.json'), 'utf8')));
  return manifest.version;
}

/** `next start` serves `.next`; without a finished build it would fail later and less clearly. */
export function assertProductionBuild(root: string): void {
  if (!existsSync(path.join(root, '.next', 'BUILD_ID'))) throw new Error('dev: --next start serves the production build in .next; run `npm run build` first');
}
