import { thresholdFor } from '@/lib/rollout/bucket';
import { BROWSER_FAMILIES, type Cohort, type RolloutConfig } from '@/lib/rollout/config';
import { isLaterStage } from '@/lib/rollout/stages';
import { evaluate, type RolloutSubject } from '@/lib/rollout/evaluate';

/** How much Realtime a cohort exposes a user to: shadow compares it, realtime renders it. */
export const EXPOSURE: Record<Cohort, number> = { legacy: 0, shadow: 1, realtime: 2 };

/** Per-user overrides for at most this many testers in one change are not gated (larger batches are). */
export const UNGATED_TESTER_OVERRIDES = 5;

export interface ExposureIncrease {
  /** Known users the change puts on more Realtime. */
  known: RolloutSubject[];
  /** Users not seen yet who would be (by their role, browser, segment, email domain or bucket). */
  unseen: number;
  /** Rules that add exposure, in words. */
  because: string[];
  /** Whether the gates must pass first (or the change be forced). */
  gated: boolean;
}

/**
 * Everyone a rule can tell apart: each role × browser × segment label × email domain the
 * rules mention (plus one nobody mentions), the user ids they name, and spread-out ids for
 * the buckets. Evaluating both configs over them finds exposure a rule adds for users who
 * have not signed in yet.
 */
function syntheticSubjects(configs: RolloutConfig[]): RolloutSubject[] {
  const segments = new Set<string | null>([null]);
  const domains = new Set<string>(['unlisted.invalid']);
  const ids = new Set<string>();
  for (const config of configs) {
    for (const segment of config.segments) {
      segment.rule.segments.forEach((label) => segments.add(label));
      segment.rule.emailDomains.forEach((domain) => domains.add(domain));
      segment.rule.userIds.slice(0, 1_000).forEach((id) => ids.add(id));
    }
    Object.keys(config.overrides).forEach((id) => ids.add(id));
  }
  const subjects: RolloutSubject[] = [];
  const roles = ['admin', 'viewer', 'anonymous'] as const;
  let n = 0;
  for (const role of roles)
    for (const browser of BROWSER_FAMILIES)
      for (const segment of [...segments].slice(0, 21))
        for (const domain of [...domains].slice(0, 21)) subjects.push({ userId: `synthetic-${(n += 1)}`, email: `someone@${domain}`, role, segment, browser });
  for (const userId of ids) subjects.push({ userId, email: null, role: 'viewer', segment: null, browser: 'chrome' });
  for (let i = 0; i < 400; i += 1) subjects.push({ userId: `synthetic-bucket-${i}`, email: null, role: 'viewer', segment: null, browser: 'chrome' });
  return subjects;
}

const shareOf = (config: RolloutConfig) => (config.stage === 'legacy-only' ? 0 : config.stage === 'decommissioned' ? 100 : config.ratchet ? Math.max(config.percentage, config.highWater) : config.percentage);

/**
 * Every way a change can put more users on Realtime — a later stage, a bigger share, a
 * segment rule, an override batch, the kill switch released — found by evaluating both
 * configs (pure) over the known users and over everyone a rule could tell apart.
 */
export function exposureIncrease(current: RolloutConfig, proposed: RolloutConfig, known: RolloutSubject[]): ExposureIncrease {
  const up = (subject: RolloutSubject) => {
    const after = evaluate(proposed, subject);
    return EXPOSURE[after.cohort] > EXPOSURE[evaluate(current, subject).cohort] ? after : null;
  };
  const because = new Set<string>();
  const overridesUp = new Set<string>();
  const note = (subject: RolloutSubject, decision: NonNullable<ReturnType<typeof up>>) => {
    switch (decision.reason.kind) {
      case 'override':
        overridesUp.add(subject.userId);
        return;
      case 'segment':
        because.add(`segment "${decision.reason.segmentName}" → ${decision.cohort}`);
        return;
      case 'kill-switch':
        return;
      case 'stage':
      case 'percentage':
        because.add(current.killSwitch && !proposed.killSwitch ? 'kill switch off' : proposed.bucketVersion !== current.bucketVersion ? 'bucket reshuffle' : `stage ${proposed.stage} at ${shareOf(proposed)} %`);
    }
  };
  const movedKnown = known.flatMap((subject) => {
    const decision = up(subject);
    if (!decision) return [];
    note(subject, decision);
    return [subject];
  });
  const knownIds = new Set(known.map((s) => s.userId));
  let unseen = 0;
  for (const subject of syntheticSubjects([current, proposed])) {
    const decision = up(subject);
    if (!decision) continue;
    note(subject, decision);
    if (!knownIds.has(subject.userId)) unseen += 1;
  }
  // A bigger share moves buckets the spread-out ids may not land in (e.g. +0.01 %).
  if (thresholdFor(shareOf(proposed)) > thresholdFor(shareOf(current)) && proposed.stage !== 'legacy-only') because.add(`Realtime share ${shareOf(current)} % → ${shareOf(proposed)} %`);
  // Every later stage is a step of the rollout, even one that moves no cohort (100 → decommissioned stops the legacy feed).
  if (isLaterStage(proposed.stage, current.stage)) because.add(`stage ${current.stage} → ${proposed.stage}`);
  if (overridesUp.size > UNGATED_TESTER_OVERRIDES) because.add(`${overridesUp.size} overrides onto Realtime at once`);
  return { known: movedKnown, unseen, because: [...because], gated: because.size > 0 };
}
