/**
 * `npm run validate -- --since 15m --min-consistency 99.9 [--cohort shadow] [--json]`:
 * analyses what has arrived, prints the verdict table, and exits 0 when every gate
 * passes, 1 when any gate fails, 2 when a gate still waits for data (never a pass).
 */
import { parseArgs } from 'node:util';
import { createPool } from '../../lib/db/create-pool.js';
import { z } from 'zod';
import { buildReport } from '../../lib/validation/store/report.js';
import { reportQuerySchema } from '../../lib/validation/engine/report-query.js';
import { analyzeClosedMinutes } from '../../lib/validation/store/window-analysis.js';
import { resolveToolEnv } from '../stack/resolve-env.js';
import { formatVerdict } from './format-verdict.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      since: { type: 'string', default: '15m' },
      'min-consistency': { type: 'string', default: '99.9' },
      cohort: { type: 'string' },
      browser: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const query = reportQuerySchema.parse({ since: values.since, cohort: values.cohort, browser: values.browser });
  const minConsistency = z.coerce.number().min(0).max(100).parse(values['min-consistency']);
  const env = z.object({ DATABASE_URL: z.string().min(1), VALIDATION_WINDOW_SECONDS: z.coerce.number().int().min(10).max(3_600).default(60) }).parse(await resolveToolEnv());
  const pool = createPool({ connectionString: env.DATABASE_URL, max: 2 }, (error) => process.stderr.write(`validate: idle connection failed: ${error.message}\n`));
  try {
    await analyzeClosedMinutes(pool, { windowMs: env.VALIDATION_WINDOW_SECONDS * 1000 });
    const report = await buildReport(pool, query, { minConsistency });
    const { text, exitCode } = formatVerdict(report);
    process.stdout.write(values.json ? `${JSON.stringify({ ...report, exitCode }, null, 2)}\n` : text);
    return exitCode;
  } finally {
    await pool.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`validate: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
