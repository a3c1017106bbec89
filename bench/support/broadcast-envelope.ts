import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

/** Sets what the database's broadcast triggers send (`public.monitoring_broadcast_settings.envelope`) on the stack of `dataDir`. */
export async function setBroadcastEnvelope(dataDir: string, envelope: 'row' | 'batch' | 'off'): Promise<void> {
  const marker = JSON.parse(await readFile(path.join(dataDir, 'stack.json'), 'utf8')) as { env: { DATABASE_URL: string } };
  const client = new pg.Client({ connectionString: marker.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query('update public.monitoring_broadcast_settings set envelope = $1', [envelope]);
  } finally {
    await client.end();
  }
}
