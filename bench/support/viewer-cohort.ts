import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { APIRequestContext } from '@playwright/test';

export type ForcedCohort = 'legacy' | 'realtime';

/**
 * Forces (or, with null, releases) a user's cohort through the rollout admin API with the
 * stack's service-role key, the way an admin would; the open dashboard moves without a reload.
 */
export async function setCohortOverride(request: APIRequestContext, dataDir: string, email: string, cohort: ForcedCohort | null): Promise<void> {
  await saveOverride(request, dataDir, email, 'overrides', (userId) => (cohort === null ? { type: 'remove-override', userId } : { type: 'set-override', userId, cohort }), `viewer ${cohort ?? 'released'}`);
}

/** The same for the viewer's Realtime strategy (null: the stage's). */
export async function setStrategyOverride(request: APIRequestContext, dataDir: string, email: string, strategy: 'postgres_changes' | 'broadcast' | null): Promise<void> {
  await saveOverride(
    request,
    dataDir,
    email,
    'strategyOverrides',
    (userId) => (strategy === null ? { type: 'remove-strategy-override', userId } : { type: 'set-strategy-override', userId, strategy }),
    `viewer's strategy ${strategy ?? 'released'}`,
  );
}

async function saveOverride(request: APIRequestContext, dataDir: string, email: string, field: 'overrides' | 'strategyOverrides', command: (userId: string) => { type: string }, what: string): Promise<void> {
  const secrets = JSON.parse(await readFile(path.join(dataDir, 'secrets.json'), 'utf8')) as { serviceRoleKey: string };
  const headers = { authorization: `Bearer ${secrets.serviceRoleKey}` };
  const explained = await request.get(`/api/rollout/explain?user=${encodeURIComponent(email)}`, { headers });
  if (!explained.ok()) throw new Error(`bench: rollout explain answered ${explained.status()}: ${await explained.text()}`);
  const userId = ((await explained.json()) as { subject: { userId: string } }).subject.userId;
  const next = command(userId);
  for (let attempt = 1; ; attempt += 1) {
    const { config } = (await (await request.get('/api/rollout/config', { headers })).json()) as { config: { version: number } & Record<typeof field, Record<string, unknown> | undefined> };
    if (next.type.startsWith('remove-') && !(userId in (config[field] ?? {}))) return;
    const saved = await request.post('/api/rollout/config', { headers, data: { commands: [next], reason: `bench: ${what} for the dashboard benchmark`, expectedVersion: config.version, force: false } });
    if (saved.ok()) return;
    if (saved.status() === 409 && attempt < 3) continue;
    throw new Error(`bench: saving the override answered ${saved.status()}: ${await saved.text()}`);
  }
}
