import type { RealtimeStrategy } from '@/contracts/transports';
import { overrideOf, type RolloutConfig } from '@/lib/rollout/config';
import { matchesSegment, type RolloutSubject } from '@/lib/rollout/evaluate';

export type StrategyReason = 'override' | 'segment' | 'stage';

/**
 * How one viewer's Realtime transport receives the streams: per-user override > the first
 * enabled matching segment that names a strategy > the current stage's (default
 * `postgres_changes`). Pure; independent of the cohort (a legacy-cohort viewer has no
 * Realtime connection, whatever it says).
 */
export function realtimeStrategy(config: RolloutConfig, subject: RolloutSubject): { strategy: RealtimeStrategy; reason: StrategyReason } {
  const override = overrideOf(config.strategyOverrides, subject.userId);
  if (override) return { strategy: override, reason: 'override' };
  for (const segment of config.segments) {
    if (segment.enabled && segment.strategy && matchesSegment(segment, subject)) return { strategy: segment.strategy, reason: 'segment' };
  }
  return { strategy: stageStrategy(config), reason: 'stage' };
}

/** The strategy the current stage rolls out: what the gates judge. */
export function stageStrategy(config: Pick<RolloutConfig, 'stage' | 'strategyByStage'>): RealtimeStrategy {
  return config.strategyByStage[config.stage] ?? 'postgres_changes';
}
