import type { RolloutConfig } from '@/lib/rollout/config';
import { stageStrategy } from '@/lib/rollout/strategy';
import type { RolloutTarget } from '@/lib/validation/engine/gates';

/** What the quota gate projects for, from the rollout config: the stage's strategy on the configured compute size. */
export function rolloutTarget(config: Pick<RolloutConfig, 'stage' | 'strategyByStage' | 'computeSize' | 'projectionBlocks'>, rowsPerBroadcastMessage?: number): RolloutTarget {
  return {
    strategy: stageStrategy(config),
    computeSize: config.computeSize,
    blockOnProjection: config.projectionBlocks,
    ...(rowsPerBroadcastMessage ? { rowsPerBroadcastMessage } : {}),
  };
}
