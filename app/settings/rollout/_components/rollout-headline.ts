import type { RolloutConfig } from '@/lib/rollout/config';
import { previousStage, type Stage } from '@/lib/rollout/stages';

export interface RolloutHeadline {
  /** The Realtime share users actually get now. */
  share: number;
  /** Why it differs from the configured share, when it does. */
  note: string | null;
  /** The configured stage is in force, or held by the kill switch. */
  stageState: 'active' | 'held';
}

/** What the settings page leads with: the effective state, so a kill switch never reads as "Realtime share 100 %". */
export function rolloutHeadline(config: Pick<RolloutConfig, 'killSwitch' | 'percentage' | 'stage'>): RolloutHeadline {
  if (config.killSwitch) return { share: 0, note: `Kill switch on: everyone is on the legacy feed (configured ${config.percentage} %, stage resumes when it is turned off).`, stageState: 'held' };
  return { share: config.percentage, note: null, stageState: 'active' };
}

/** The distinct rollback targets from a stage: one stage back, and legacy only when that is further. */
export function rollbackTargets(stage: Stage): Stage[] {
  if (stage === 'legacy-only') return [];
  const back = previousStage(stage);
  return back === 'legacy-only' ? [back] : [back, 'legacy-only'];
}
