'use client';

import useSWR from 'swr';
import type { RolloutConfig } from '@/lib/rollout/config';
import type { AuditEntry } from '@/lib/rollout/server/config-store';
import { fetcher } from '@/lib/swr/fetcher';

export interface RolloutOverview {
  config: RolloutConfig;
  audit: AuditEntry[];
}

/** The admin view of the rollout (config + audit), refreshed every few seconds. */
export function useRolloutAdmin(fallbackData?: RolloutOverview) {
  return useSWR<RolloutOverview>('/api/rollout/config', fetcher, { refreshInterval: 3_000, fallbackData });
}
