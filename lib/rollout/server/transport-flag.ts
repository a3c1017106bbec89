import 'server-only';
import { flag } from 'flags/next';
import type { Cohort } from '@/lib/rollout/config';
import { cohortOf } from '@/lib/rollout/cohort';
import { currentSubject } from '@/lib/rollout/server/server-cohort';
import { currentRolloutConfig } from '@/lib/rollout/server/server-config';
import type { RolloutSubject } from '@/lib/rollout/evaluate';

/**
 * The transport cohort as a Flags SDK flag: server components read it like any flag,
 * and Flags Explorer overrides (the encrypted `vercel-flag-overrides` cookie) win over
 * the rollout for whoever holds one — admins previewing a cohort.
 */
export const transportCohortFlag = flag<Cohort, RolloutSubject>({
  key: 'transport-cohort',
  description: 'Which transport renders the dashboard: legacy, shadow (legacy renders, Realtime compared) or realtime.',
  defaultValue: 'legacy',
  options: [
    { value: 'legacy', label: 'Legacy WebSocket' },
    { value: 'shadow', label: 'Shadow (legacy renders, Realtime compared)' },
    { value: 'realtime', label: 'Supabase Realtime' },
  ],
  identify: () => currentSubject(),
  decide: async ({ entities }) => (entities ? cohortOf(await currentRolloutConfig(), entities) : 'legacy'),
});
