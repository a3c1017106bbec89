import { bucketOf, thresholdFor } from '@/lib/rollout/bucket';
import { overrideOf, type BrowserFamily, type Cohort, type RolloutConfig, type Segment } from '@/lib/rollout/config';

/** Who is asking: everything a rule may look at, known at the edge without a DB call. */
export interface RolloutSubject {
  userId: string;
  email: string | null;
  role: 'admin' | 'viewer' | 'anonymous';
  segment: string | null;
  browser: BrowserFamily;
}

export type DecisionReason =
  | { kind: 'kill-switch' }
  | { kind: 'override' }
  | { kind: 'segment'; segmentId: string; segmentName: string }
  | { kind: 'stage'; stage: RolloutConfig['stage'] }
  | { kind: 'percentage'; threshold: number; ratchetThreshold: number; inPercentage: boolean };

export interface Decision {
  cohort: Cohort;
  bucket: number;
  reason: DecisionReason;
  configVersion: number;
}

/**
 * The cohort for one subject. Precedence: kill switch > per-user override > segment rule
 * > percentage. Pure and allocation-light: it runs in middleware on every request.
 */
export function evaluate(config: RolloutConfig, subject: RolloutSubject): Decision {
  const bucket = bucketOf(config.rolloutKey, config.bucketVersion, subject.userId);
  const decide = (cohort: Cohort, reason: DecisionReason): Decision => ({ cohort, bucket, reason, configVersion: config.version });
  if (config.killSwitch) return decide('legacy', { kind: 'kill-switch' });
  const override = overrideOf(config.overrides, subject.userId);
  if (override) return decide(liveCohort(config, override), { kind: 'override' });
  for (const segment of config.segments) {
    if (segment.enabled && matchesSegment(segment, subject)) {
      return decide(liveCohort(config, segment.cohort), { kind: 'segment', segmentId: segment.id, segmentName: segment.name });
    }
  }
  if (config.stage === 'legacy-only') return decide('legacy', { kind: 'stage', stage: config.stage });
  if (config.stage === 'decommissioned') return decide('realtime', { kind: 'stage', stage: config.stage });
  const threshold = thresholdFor(config.percentage);
  const ratchetThreshold = config.ratchet ? Math.max(threshold, thresholdFor(config.highWater)) : threshold;
  const inPercentage = bucket < ratchetThreshold;
  return decide(inPercentage ? 'realtime' : 'shadow', { kind: 'percentage', threshold, ratchetThreshold, inPercentage });
}

/** Once the legacy feed is switched off nobody can be sent to it. */
function liveCohort(config: RolloutConfig, cohort: Cohort): Cohort {
  return config.stage === 'decommissioned' ? 'realtime' : cohort;
}

export function matchesSegment(segment: Segment, subject: RolloutSubject): boolean {
  // Conditions inside one segment AND together; an empty rule matches nobody. No
  // allocation on the common path: this runs for every segment on every request.
  const { rule } = segment;
  let conditions = 0;
  if (rule.userIds.length > 0) {
    if (!rule.userIds.includes(subject.userId)) return false;
    conditions += 1;
  }
  if (rule.emailDomains.length > 0) {
    const at = subject.email?.lastIndexOf('@') ?? -1;
    if (at < 0 || !rule.emailDomains.includes((subject.email as string).slice(at + 1).toLowerCase())) return false;
    conditions += 1;
  }
  if (rule.roles.length > 0) {
    if (subject.role === 'anonymous' || !rule.roles.includes(subject.role)) return false;
    conditions += 1;
  }
  if (rule.browsers.length > 0) {
    if (!rule.browsers.includes(subject.browser)) return false;
    conditions += 1;
  }
  if (rule.segments.length > 0) {
    if (subject.segment === null || !rule.segments.includes(subject.segment)) return false;
    conditions += 1;
  }
  return conditions > 0;
}
