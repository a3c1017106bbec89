'use client';

import useSWR from 'swr';
import type { GateAction, RunnerState } from '@/lib/migration/gate-runner';
import type { GateResult, GateStatus } from '@/lib/validation/engine/gates';
import type { Stage } from '@/lib/rollout/stages';
import { fetcher } from '@/lib/swr/fetcher';

export interface GateSummary {
  stage: Stage;
  next: Stage | null;
  windowStart: string;
  verdict: GateStatus;
  results: GateResult[];
  runner: RunnerState;
  action: GateAction;
}

export function useMigrationGates() {
  return useSWR<GateSummary>('/api/migration/gates', fetcher, { refreshInterval: 5_000 });
}
