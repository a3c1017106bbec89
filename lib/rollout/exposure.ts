import { thresholdFor } from '@/lib/rollout/bucket';
import { BROWSER_FAMILIES, type Cohort, type RolloutConfig, type Segment } from '@/lib/rollout/config';
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

const ROLES = ['admin', 'viewer', 'anonymous'] as const;

/** Every value a segment's rule lists, each in a subject that meets the rest of the rule with its first values. */
function meetersOf(segment: Segment, changedIds: ReadonlySet<string>): RolloutSubject[] {
  const { rule } = segment;
  const base: RolloutSubject = {
    userId: rule.userIds[0] ?? `synthetic-${segment.id}`,
    email: rule.emailDomains[0] ? `someone@${rule.emailDomains[0]}` : 'someone@unlisted.invalid',
    role: rule.roles[0] ?? 'viewer',
    segment: rule.segments[0] ?? null,
    browser: rule.browsers[0] ?? 'chrome',
  };
  // The first values in every role × browser, then each listed value on its own.
  const subjects: RolloutSubject[] = ROLES.flatMap((role) => BROWSER_FAMILIES.map((browser) => ({ ...base, role, browser })));
  for (const domain of rule.emailDomains) subjects.push({ ...base, userId: `synthetic-${segment.id}-${domain}`, email: `someone@${domain}` });
  for (const label of rule.segments) subjects.push({ ...base, userId: `synthetic-${segment.id}-${label}`, segment: label });
  for (const role of rule.roles) subjects.push({ ...base, role });
  for (const browser of rule.browsers) subjects.push({ ...base, browser });
  // Listed ids behave alike within one segment: the first few, and every id whose membership changes.
  for (const userId of [...rule.userIds.slice(0, 3), ...rule.userIds.filter((id) => changedIds.has(id))]) subjects.push({ ...base, userId });
  return subjects;
}

/** Ids listed by one config's segment (or override) but not the other's: the only ids a list change can move. */
function changedIds(current: RolloutConfig, proposed: RolloutConfig): Set<string> {
  const listed = (config: RolloutConfig) => new Map(config.segments.map((segment) => [segment.id, new Set(segment.rule.userIds)]));
  const before = listed(current);
  const after = listed(proposed);
  const changed = new Set<string>();
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(id) ?? new Set<string>();
    const b = after.get(id) ?? new Set<string>();
    for (const user of a) if (!b.has(user)) changed.add(user);
    for (const user of b) if (!a.has(user)) changed.add(user);
  }
  for (const user of new Set([...Object.keys(current.overrides), ...Object.keys(proposed.overrides)])) if (current.overrides[user] !== proposed.overrides[user]) changed.add(user);
  return changed;
}

/**
 * Everyone a rule can tell apart: whoever meets each segment of either config (every value
 * its rule lists), everyone no segment names (each role × browser), every user id whose
 * listing changes, and spread-out ids for the buckets. Evaluating both configs over them
 * finds exposure a change adds for users who have not signed in yet.
 */
function syntheticSubjects(current: RolloutConfig, proposed: RolloutConfig): RolloutSubject[] {
  const changed = changedIds(current, proposed);
  const subjects: RolloutSubject[] = ROLES.flatMap((role) => BROWSER_FAMILIES.map((browser) => ({ userId: `synthetic-${role}-${browser}`, email: 'someone@unlisted.invalid', role, segment: null, browser })));
  for (const segment of [...current.segments, ...proposed.segments]) subjects.push(...meetersOf(segment, changed));
  for (const userId of changed) subjects.push({ userId, email: null, role: 'viewer', segment: null, browser: 'chrome' });
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
  for (const subject of syntheticSubjects(current, proposed)) {
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
