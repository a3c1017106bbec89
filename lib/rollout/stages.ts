/**
 * The migration stages, in order, and everything that follows from a stage: the share it
 * puts on Realtime, its neighbours (the one-click rollback goes to the previous one),
 * whether Realtime renders for users in it, and whether the legacy feed still runs. Pure.
 */
export const STAGES = ['legacy-only', 'shadow', '25', '50', '75', '100', 'decommissioned'] as const;
export type Stage = (typeof STAGES)[number];

/** The percentage a stage implies when an admin steps to it. */
export function stagePercentage(stage: Stage): number {
  switch (stage) {
    case 'legacy-only':
    case 'shadow':
      return 0;
    case '25':
      return 25;
    case '50':
      return 50;
    case '75':
      return 75;
    case '100':
    case 'decommissioned':
      return 100;
  }
}

export function nextStage(stage: Stage): Stage | null {
  const index = STAGES.indexOf(stage);
  return index >= 0 && index < STAGES.length - 1 ? (STAGES[index + 1] as Stage) : null;
}

/** The previous stage: where "roll back one stage" (by hand or by the gate runner) goes. */
export function previousStage(stage: Stage): Stage {
  return STAGES[Math.max(0, STAGES.indexOf(stage) - 1)] as Stage;
}

export const isLaterStage = (stage: Stage, than: Stage) => STAGES.indexOf(stage) > STAGES.indexOf(than);

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
export function legacyFeedEnabled(config: { stage: Stage; killSwitch: boolean }): boolean {
  return config.stage !== 'decommissioned' || config.killSwitch;
}
