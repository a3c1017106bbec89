import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { inheritedEnv, stackSettings } from '../../servers/env.js';
import { markerFile } from './local-stack-marker.js';

const markerSchema = z.object({ pid: z.number().int(), env: z.record(z.string(), z.string()) });

/** The running local stack's settings (written by `npm run dev` / `npm run stack`), or null. */
export async function readStackMarker(): Promise<z.infer<typeof markerSchema> | null> {
  const file = markerFile(stackSettings());
  try {
    return markerSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`${file} is unreadable`, { cause: error });
  }
}

/**
 * Environment for tools run beside the product (`npm run validate`, the probe): the
 * process env when it names a database, else the running local stack's.
 */
export async function resolveToolEnv(source: Record<string, string | undefined> = inheritedEnv()): Promise<Record<string, string | undefined>> {
  if (source.DATABASE_URL) return source;
  const marker = await readStackMarker();
  if (!marker) throw new Error('no DATABASE_URL in the environment and no local stack running (start one with `npm run dev`)');
  return { ...marker.env, ...source };
}
