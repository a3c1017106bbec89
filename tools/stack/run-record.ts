import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { processTargetSchema } from './stop-process.js';
import { parseJsonOrNull } from '../../servers/parse-json.js';

const identitySchema = z.object({ pid: z.number().int().positive(), startTime: z.string(), command: z.string() });
const recordSchema = z.object({
  orchestrator: identitySchema,
  guardian: processTargetSchema.nullable(),
  children: z.record(z.string(), processTargetSchema),
});

/**
 * What a running `npm run dev` / `npm run stack` started, in `<dataDir>/processes.json`:
 * the next run reads it to stop whatever a killed run left behind.
 */
export type RunRecord = z.infer<typeof recordSchema>;

export function runRecordFile(dataDir: string): string {
  return path.join(dataDir, 'processes.json');
}

export async function readRunRecord(dataDir: string): Promise<RunRecord | null> {
  const file = runRecordFile(dataDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`stack: cannot read ${file}`, { cause: error });
  }
  const parsed = recordSchema.safeParse(parseJsonOrNull(text));
  // A torn or foreign file names nothing we may signal; the postmaster check still runs.
  return parsed.success ? parsed.data : null;
}

/** Written to a temp file and renamed: a reader never sees half a record. */
export async function writeRunRecord(dataDir: string, record: RunRecord): Promise<void> {
  const file = runRecordFile(dataDir);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}

export async function removeRunRecord(dataDir: string): Promise<void> {
  await rm(runRecordFile(dataDir), { force: true });
}
