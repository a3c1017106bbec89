'use client';

import useSWR from 'swr';
import type { GateResult } from '@/lib/migration/gates';
import type { Stage } from '@/lib/rollout/config';
import { fetcher } from '@/lib/swr/fetcher';

export interface GateSummary {
  stage: Stage;
  next: Stage | null;
  verdict: 'pass' | 'fail' | 'wait';
  results: GateResult[];
  action: { kind: 'none' } | { kind: 'rollback' | 'advance'; to: Stage; reason: string };
}

export function useMigrationGates() {
  return useSWR<GateSummary>('/api/migration/gates', fetcher, { refreshInterval: 5_000 });
}
