import { z } from 'zod';
import { COHORTS, COMPUTE_SIZES, overrideUserIdSchema, REALTIME_STRATEGIES, segmentSchema, type RolloutConfig } from '@/lib/rollout/config';
import { STAGES, stagePercentage } from '@/lib/rollout/stages';
import { REALTIME_PLANS } from '@/lib/plans/realtime-plans';

/** Every change an admin can make, as data (validated at the API boundary). */
export const rolloutCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('set-stage'), stage: z.enum(STAGES) }).strict(),
  z.object({ type: z.literal('set-percentage'), percentage: z.number().min(0).max(100).multipleOf(0.01) }).strict(),
  z.object({ type: z.literal('set-ratchet'), ratchet: z.boolean() }).strict(),
  z.object({ type: z.literal('set-kill-switch'), killSwitch: z.boolean() }).strict(),
  z.object({ type: z.literal('set-override'), userId: overrideUserIdSchema, cohort: z.enum(COHORTS) }).strict(),
  z.object({ type: z.literal('remove-override'), userId: overrideUserIdSchema }).strict(),
  z.object({ type: z.literal('upsert-segment'), segment: segmentSchema }).strict(),
  z.object({ type: z.literal('remove-segment'), segmentId: z.string().min(1).max(40) }).strict(),
  z.object({ type: z.literal('bump-bucket-version') }).strict(),
  z.object({ type: z.literal('set-auto-advance'), autoAdvance: z.boolean(), soakMinutes: z.number().int().min(1).max(10_080).optional() }).strict(),
  z.object({ type: z.literal('set-plan'), plan: z.enum(REALTIME_PLANS) }).strict(),
  z.object({ type: z.literal('set-stage-strategy'), stage: z.enum(STAGES), strategy: z.enum(REALTIME_STRATEGIES) }).strict(),
  z.object({ type: z.literal('set-strategy-override'), userId: overrideUserIdSchema, strategy: z.enum(REALTIME_STRATEGIES) }).strict(),
  z.object({ type: z.literal('remove-strategy-override'), userId: overrideUserIdSchema }).strict(),
  z.object({ type: z.literal('set-hosted-projection'), computeSize: z.enum(COMPUTE_SIZES), blocks: z.boolean() }).strict(),
  /** Explicit rollback: empties the ratchet down to the target stage. */
  z.object({ type: z.literal('rollback'), toStage: z.enum(STAGES) }).strict(),
]);
export type RolloutCommand = z.infer<typeof rolloutCommandSchema>;

/** The next config for a command (version/audit fields are set by the store). Pure. */
export function applyCommand(config: RolloutConfig, command: RolloutCommand): RolloutConfig {
  switch (command.type) {
    case 'set-stage': {
      const percentage = stagePercentage(command.stage);
      return withPercentage({ ...config, stage: command.stage, stageSince: new Date().toISOString() }, percentage);
    }
    case 'set-percentage':
      return withPercentage(config, command.percentage);
    case 'set-ratchet':
      return { ...config, ratchet: command.ratchet, highWater: command.ratchet ? config.highWater : config.percentage };
    case 'set-kill-switch':
      return { ...config, killSwitch: command.killSwitch };
    case 'set-override':
      return { ...config, overrides: { ...config.overrides, [command.userId]: command.cohort } };
    case 'remove-override': {
      const overrides = { ...config.overrides };
      delete overrides[command.userId];
      return { ...config, overrides };
    }
    case 'upsert-segment': {
      const others = config.segments.filter((segment) => segment.id !== command.segment.id);
      const index = config.segments.findIndex((segment) => segment.id === command.segment.id);
      const segments = index === -1 ? [...others, command.segment] : config.segments.map((segment) => (segment.id === command.segment.id ? command.segment : segment));
      return { ...config, segments };
    }
    case 'remove-segment':
      return { ...config, segments: config.segments.filter((segment) => segment.id !== command.segmentId) };
    case 'set-auto-advance':
      return { ...config, autoAdvance: command.autoAdvance, soakMinutes: command.soakMinutes ?? config.soakMinutes };
    case 'set-plan':
      return { ...config, plan: command.plan };
    case 'set-stage-strategy':
      return { ...config, strategyByStage: { ...config.strategyByStage, [command.stage]: command.strategy } };
    case 'set-strategy-override':
      return { ...config, strategyOverrides: { ...config.strategyOverrides, [command.userId]: command.strategy } };
    case 'set-hosted-projection':
      return { ...config, computeSize: command.computeSize, projectionBlocks: command.blocks };
    case 'remove-strategy-override': {
      const strategyOverrides = { ...config.strategyOverrides };
      delete strategyOverrides[command.userId];
      return { ...config, strategyOverrides };
    }
    case 'bump-bucket-version':
      // A deliberate reshuffle: the exposed set is a different one from now on.
      return { ...config, bucketVersion: config.bucketVersion + 1, highWater: config.percentage };
    case 'rollback': {
      const percentage = stagePercentage(command.toStage);
      return { ...config, stage: command.toStage, percentage, highWater: percentage, stageSince: new Date().toISOString() };
    }
  }
}

function withPercentage(config: RolloutConfig, percentage: number): RolloutConfig {
  return { ...config, percentage, highWater: Math.max(config.highWater, percentage) };
}

/** One-line human summary for the audit log. */
export function describeCommand(command: RolloutCommand): string {
  switch (command.type) {
    case 'set-stage':
      return `stage → ${command.stage}`;
    case 'set-percentage':
      return `percentage → ${command.percentage} %`;
    case 'set-ratchet':
      return `ratchet ${command.ratchet ? 'on' : 'off'}`;
    case 'set-kill-switch':
      return command.killSwitch ? 'KILL SWITCH ON (everyone to legacy)' : 'kill switch off';
    case 'set-override':
      return `override ${command.userId} → ${command.cohort}`;
    case 'remove-override':
      return `override removed for ${command.userId}`;
    case 'upsert-segment':
      return `segment ${command.segment.id} (${command.segment.name}) → ${command.segment.cohort}${command.segment.enabled ? '' : ' [disabled]'}`;
    case 'remove-segment':
      return `segment ${command.segmentId} removed`;
    case 'bump-bucket-version':
      return 'bucket version bumped (reshuffle)';
    case 'set-auto-advance':
      return `auto-advance ${command.autoAdvance ? `on (soak ${command.soakMinutes ?? 'unchanged'} min)` : 'off'}`;
    case 'set-plan':
      return `Supabase plan → ${command.plan}`;
    case 'set-stage-strategy':
      return `Realtime strategy at stage ${command.stage} → ${command.strategy}`;
    case 'set-strategy-override':
      return `Realtime strategy for ${command.userId} → ${command.strategy}`;
    case 'remove-strategy-override':
      return `Realtime strategy override removed for ${command.userId}`;
    case 'set-hosted-projection':
      return `hosted projection: ${command.computeSize} compute, ${command.blocks ? 'blocks' : 'warns'}`;
    case 'rollback':
      return `ROLLBACK to ${command.toStage}`;
  }
}
