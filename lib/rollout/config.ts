import { z } from 'zod';
import { REALTIME_STRATEGIES } from '@/contracts/transports';
import { REALTIME_PLANS } from '@/lib/plans/realtime-plans';
import { STAGES } from '@/lib/rollout/stages';

export { REALTIME_STRATEGIES, type RealtimeStrategy } from '@/contracts/transports';

export const COHORTS = ['legacy', 'shadow', 'realtime'] as const;

/** Per-user entries an override map may hold (admins add them; the middleware reads them on every request). */
export const MAX_OVERRIDES = 10_000;

/** A user id as a key of an override map: bounded, and never a key JavaScript objects treat specially. */
export const overrideUserIdSchema = z
  .string()
  .min(1)
  .max(128)
  .refine((id) => id !== '__proto__', { message: '__proto__ is not a user id' });

const overrideMap = <T extends z.ZodType<string>>(value: T) =>
  z.record(overrideUserIdSchema, value).refine((map) => Object.keys(map).length <= MAX_OVERRIDES, { message: `at most ${MAX_OVERRIDES} per-user overrides` });

/**
 * One user's entry of an override map: own keys only, so a user id such as `constructor` or
 * `toString` names nobody's override (review L6). The one lookup for cohort and strategy overrides.
 */
export function overrideOf<V>(map: Readonly<Record<string, V>>, userId: string): V | undefined {
  return Object.hasOwn(map, userId) ? map[userId] : undefined;
}

/** Compute sizes Supabase publishes Realtime throughput for (lib/validation/engine/hosted-throughput.ts). */
export const COMPUTE_SIZES = ['micro', 'small', 'large'] as const;
export type ComputeSize = (typeof COMPUTE_SIZES)[number];
export type Cohort = (typeof COHORTS)[number];

export const BROWSER_FAMILIES = ['chrome', 'firefox', 'safari', 'edge', 'other'] as const;
export type BrowserFamily = (typeof BROWSER_FAMILIES)[number];

const segmentRuleSchema = z
  .object({
    emailDomains: z.array(z.string().toLowerCase().regex(/^[a-z0-9.-]+\.[a-z0-9-]+$|^[a-z0-9-]+\.local$/)).max(100).default([]),
    roles: z.array(z.enum(['admin', 'viewer'])).max(2).default([]),
    browsers: z.array(z.enum(BROWSER_FAMILIES)).max(5).default([]),
    segments: z.array(z.string().min(1).max(64)).max(50).default([]),
    userIds: z.array(z.string().min(1).max(128)).max(10_000).default([]),
  })
  .strict();

export const segmentSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/),
    name: z.string().min(1).max(80),
    enabled: z.boolean().default(true),
    cohort: z.enum(COHORTS),
    /** The Realtime strategy for this segment's viewers; absent: the stage's. */
    strategy: z.enum(REALTIME_STRATEGIES).optional(),
    rule: segmentRuleSchema,
  })
  .strict();
export type Segment = z.infer<typeof segmentSchema>;

export const rolloutConfigSchema = z
  .object({
    /** Increments on every saved change; clients and cookies carry it. */
    version: z.number().int().min(1),
    /** Salt of the bucket hash; constant for a rollout. */
    rolloutKey: z.string().min(1).max(64),
    /** Bumped to reshuffle every user into new buckets on purpose. */
    bucketVersion: z.number().int().min(1),
    stage: z.enum(STAGES),
    /** Share of buckets on Realtime (0–100, 0.01 steps). */
    percentage: z.number().min(0).max(100),
    /** Keep already-exposed users on Realtime when the percentage shrinks. */
    ratchet: z.boolean(),
    /** Highest percentage exposed since the last explicit rollback or reshuffle. */
    highWater: z.number().min(0).max(100),
    killSwitch: z.boolean(),
    overrides: overrideMap(z.enum(COHORTS)),
    segments: z.array(segmentSchema).max(100),
    /** Advance to the next stage by itself once every gate passes for `soakMinutes`. */
    autoAdvance: z.boolean().default(false),
    soakMinutes: z.number().int().min(1).max(10_080).default(30),
    /** The Supabase plan whose Realtime quotas bound the rollout (quota headroom gate). */
    plan: z.enum(REALTIME_PLANS).default('pro'),
    /** The Realtime strategy each stage rolls out (absent: `postgres_changes`). */
    strategyByStage: z.partialRecord(z.enum(STAGES), z.enum(REALTIME_STRATEGIES)).default({}),
    /** Per-user strategy, above segments and the stage. */
    strategyOverrides: overrideMap(z.enum(REALTIME_STRATEGIES)).default({}),
    /** The hosted project's compute size, for the quota gate's projection from Supabase's published throughput. */
    computeSize: z.enum(COMPUTE_SIZES).default('micro'),
    /** The quota gate fails (not only warns) when that projection breaks the p95 target. */
    projectionBlocks: z.boolean().default(false),
    /** When the current stage began (gates only count data since then). */
    stageSince: z.string().default(new Date(0).toISOString()),
    updatedAt: z.string(),
    updatedBy: z.string(),
  })
  .strict();
export type RolloutConfig = z.infer<typeof rolloutConfigSchema>;

export const DEFAULT_CONFIG: RolloutConfig = {
  version: 1,
  rolloutKey: 'realtime-migration',
  bucketVersion: 1,
  stage: 'legacy-only',
  percentage: 0,
  ratchet: true,
  highWater: 0,
  killSwitch: false,
  overrides: {},
  segments: [],
  autoAdvance: false,
  soakMinutes: 30,
  plan: 'pro',
  strategyByStage: {},
  strategyOverrides: {},
  computeSize: 'micro',
  projectionBlocks: false,
  stageSince: new Date(0).toISOString(),
  updatedAt: new Date(0).toISOString(),
  updatedBy: 'system',
};
