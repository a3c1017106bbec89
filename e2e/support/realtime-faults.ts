import type { APIRequestContext } from '@playwright/test';
import type { E2eStack } from './stack';

/** The local Supabase API's fault controls (`POST /__switchyard/realtime`), as an operator drives them in a drill. */
export interface RealtimeFaults {
  outage(on: boolean): Promise<void>;
  /** Share of postgres_changes deliveries the Realtime server drops (0 = none). */
  dropPostgresChanges(rate: number): Promise<void>;
  /** Outage off, nothing dropped. */
  clear(): Promise<void>;
}

export function realtimeFaults(request: APIRequestContext, stack: E2eStack): RealtimeFaults {
  const control = async (body: Record<string, unknown>) => {
    const response = await request.post(`${stack.supabaseUrl}/__switchyard/realtime`, { headers: { authorization: `Bearer ${stack.serviceRoleKey}` }, data: body });
    if (!response.ok()) throw new Error(`e2e: realtime control ${JSON.stringify(body)} answered ${response.status()}: ${await response.text()}`);
  };
  return {
    outage: (on) => control({ action: 'outage', on }),
    dropPostgresChanges: (rate) => control({ action: 'drop-postgres-changes', rate }),
    async clear() {
      await control({ action: 'outage', on: false });
      await control({ action: 'drop-postgres-changes', rate: 0 });
    },
  };
}
