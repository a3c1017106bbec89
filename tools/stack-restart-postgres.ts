/**
 * `npm run stack:restart-postgres -- --down 20`: a real restart of the running local stack's
 * embedded Postgres (`npm run dev` or `npm run stack`) — fast shutdown, `--down` seconds with
 * nothing listening, start — through `POST /__switchyard/postgres` on the local Supabase API.
 * For drills and tests of what survives a managed database restart.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { readStackMarker } from './stack/resolve-env.js';

async function main() {
  const { values } = parseArgs({ options: { down: { type: 'string', default: '20' } } });
  const downSeconds = z.coerce.number().min(0).max(120).parse(values.down);
  const marker = await readStackMarker();
  if (!marker) throw new Error('no local stack is running (start it with `npm run dev` or `npm run stack`)');
  const env = z.object({ SUPABASE_URL: z.string(), SUPABASE_SERVICE_ROLE_KEY: z.string() }).parse(marker.env);
  process.stdout.write(`restarting Postgres: down for ${downSeconds} s …\n`);
  const response = await fetch(`${env.SUPABASE_URL}/__switchyard/postgres`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.SUPABASE_SERVICE_ROLE_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ action: 'restart', downMs: Math.round(downSeconds * 1000) }),
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`the stack answered ${response.status}: ${body}`);
  const result = z.object({ pid: z.number().nullable(), tookMs: z.number() }).parse(JSON.parse(body));
  process.stdout.write(`Postgres is back (pid ${result.pid ?? '?'}) after ${(result.tookMs / 1000).toFixed(1)} s\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`stack:restart-postgres: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
