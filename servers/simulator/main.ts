/**
 * `tsx servers/simulator/main.ts --rate 20 --seed 42 [--duration 60] [--fast]`: runs the
 * cache workload and pushes what it measures to the ingest API. Reads INGEST_URL and
 * INGEST_API_KEY (and SIMULATOR_RATE / SIMULATOR_SEED as defaults for the flags).
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startSimulator } from './runner.js';

const envSchema = z.object({
  INGEST_URL: z.url().default('http://127.0.0.1:3000/api/ingest'),
  INGEST_API_KEY: z.string().min(1),
  SIMULATOR_RATE: z.coerce.number().min(0).max(100_000).default(20),
  SIMULATOR_SEED: z.coerce.number().int().default(42),
});
const flagsSchema = z.object({
  rate: z.coerce.number().min(0).max(100_000).optional(),
  seed: z.coerce.number().int().optional(),
  duration: z.coerce.number().int().positive().optional(),
  fast: z.boolean().optional(),
});

function fail(what: string, issues: z.core.$ZodIssue[]): never {
  const problems = issues.map((issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`).join('\n');
  throw new Error(`simulator: invalid ${what}:\n${problems}`);
}

async function main() {
  const env = envSchema.safeParse(process.env);
  if (!env.success) fail('environment', env.error.issues);
  const { values } = parseArgs({
    options: { rate: { type: 'string' }, seed: { type: 'string' }, duration: { type: 'string' }, fast: { type: 'boolean' } },
    strict: true,
  });
  const flags = flagsSchema.safeParse(values);
  if (!flags.success) fail('flags', flags.error.issues);

  const runner = startSimulator({
    ingestUrl: env.data.INGEST_URL,
    ingestKey: env.data.INGEST_API_KEY,
    rate: flags.data.rate ?? env.data.SIMULATOR_RATE,
    seed: flags.data.seed ?? env.data.SIMULATOR_SEED,
    durationSeconds: flags.data.duration,
    realtime: !flags.data.fast,
    onLog: (line) => process.stdout.write(`${line}\n`),
  });
  const finish = async () => {
    const stats = await runner.close();
    process.stdout.write(`simulator: stopped · ${JSON.stringify(stats)}\n`);
    process.exit(0);
  };
  process.on('SIGINT', () => void finish());
  process.on('SIGTERM', () => void finish());
  const stats = await runner.done;
  process.stdout.write(`simulator: done · ${JSON.stringify(stats)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
