import { STAGES, type RolloutConfig, type Stage } from '@/lib/rollout/config';

export function nextStage(stage: Stage): Stage | null {
  const index = STAGES.indexOf(stage);
  return index >= 0 && index < STAGES.length - 1 ? (STAGES[index + 1] as Stage) : null;
}

export function previousStage(stage: Stage): Stage {
  return STAGES[Math.max(0, STAGES.indexOf(stage) - 1)] as Stage;
}

/**
 * Share of users holding a Realtime connection at a stage. From `shadow` on, every user
 * does: shadow users compare Realtime beside the legacy feed they render.
 */
export function realtimeConnectionShare(stage: Stage): number {
  return stage === 'legacy-only' ? 0 : 1;
}

/** Stages where Realtime renders for some users: a breach there must roll back. */
export const isLiveStage = (stage: Stage) => stage === '25' || stage === '50' || stage === '75' || stage === '100' || stage === 'decommissioned';

/**
 * Whether the legacy feed still runs: off once decommissioned, back on while the kill
 * switch is on (a rollback must have somewhere to go).
 */
export function legacyFeedEnabled(config: Pick<RolloutConfig, 'stage' | 'killSwitch'>): boolean {
  return config.stage !== 'decommissioned' || config.killSwitch;
}
