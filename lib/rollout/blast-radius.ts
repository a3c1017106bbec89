import type { Cohort, RolloutConfig } from '@/lib/rollout/config';
import { evaluate, type RolloutSubject } from '@/lib/rollout/evaluate';
import { feedPlan } from '@/lib/rollout/feed-plan';
import { legacyFeedEnabled } from '@/lib/rollout/stages';

export interface CohortMove {
  userId: string;
  email: string | null;
  from: Cohort;
  to: Cohort;
}

export interface BlastRadius {
  known: number;
  moves: CohortMove[];
  /** How many known users each cohort holds before and after. */
  before: Record<Cohort, number>;
  after: Record<Cohort, number>;
  /** Moves counted by the users' segment label / role, for "which segments change". */
  bySegment: Record<string, number>;
  /** Users whose rendering transport changes (legacy/shadow ↔ realtime). */
  transportChanges: number;
}

const empty = (): Record<Cohort, number> => ({ legacy: 0, shadow: 0, realtime: 0 });
/** The transport that renders a dashboard of the cohort (the feed plan), with the legacy feed as the config leaves it. */
const renders = (cohort: Cohort, config: RolloutConfig) => feedPlan(cohort, legacyFeedEnabled(config)).primary;

/** Who would change cohort if `proposed` replaced `current`. Pure. */
export function blastRadius(current: RolloutConfig, proposed: RolloutConfig, subjects: RolloutSubject[]): BlastRadius {
  const result: BlastRadius = { known: subjects.length, moves: [], before: empty(), after: empty(), bySegment: {}, transportChanges: 0 };
  for (const subject of subjects) {
    const from = evaluate(current, subject).cohort;
    const to = evaluate(proposed, subject).cohort;
    result.before[from] += 1;
    result.after[to] += 1;
    if (from === to) continue;
    result.moves.push({ userId: subject.userId, email: subject.email, from, to });
    const label = subject.segment ?? subject.role;
    result.bySegment[label] = (result.bySegment[label] ?? 0) + 1;
    if (renders(from, current) !== renders(to, proposed)) result.transportChanges += 1;
  }
  return result;
}
