import type { SessionUser } from '@/lib/auth/verify-access-token';
import { browserFamily } from '@/lib/rollout/browser-family';
import { COHORT_COOKIE_TTL_S, signCohortCookie, verifyCohortCookie } from '@/lib/rollout/cohort-cookie';
import type { Cohort, RolloutConfig } from '@/lib/rollout/config';
import { evaluate, type DecisionReason, type RolloutSubject } from '@/lib/rollout/evaluate';

/** Anonymous visitors get a random stable id cookie so they bucket like users do. */
export const ANON_COOKIE = 'sy-anon';

/** The rollout subject for a signed-in user, or — signed out — for the anonymous id. */
export function subjectOf(user: SessionUser | null, anonId: string | undefined, userAgent: string | null): RolloutSubject {
  return {
    userId: user?.id ?? anonId ?? 'anonymous',
    email: user?.email ?? null,
    role: user?.role ?? 'anonymous',
    segment: user?.segment ?? null,
    browser: browserFamily(userAgent),
  };
}

export interface CohortDecision {
  cohort: Cohort;
  bucket: number;
  configVersion: number;
  reason: DecisionReason;
  /** A freshly signed `sy-cohort` claim to set, or null when the caller's cookie already says this (and is not near expiry). */
  cookie: string | null;
}

/**
 * The one cohort rule, on the edge and on the server alike: evaluate the config for the
 * subject (pure, µs). A cookie never decides.
 */
export const cohortOf = (config: RolloutConfig, subject: RolloutSubject): Cohort => evaluate(config, subject).cohort;

/**
 * The cohort with its signed claim: the rule above, and the claim re-signed only when it
 * changed or nears expiry (the cookie only spares the signing).
 */
export async function decideCohort(config: RolloutConfig, subject: RolloutSubject, cookieValue: string | null | undefined, secret: string, now = Date.now()): Promise<CohortDecision> {
  const decision = evaluate(config, subject);
  const current = await verifyCohortCookie(cookieValue ?? undefined, secret, now + (COHORT_COOKIE_TTL_S * 1000) / 2);
  const unchanged = current !== null && current.userId === subject.userId && current.cohort === decision.cohort && current.configVersion === decision.configVersion && current.bucket === decision.bucket;
  const cookie = unchanged ? null : await signCohortCookie({ userId: subject.userId, bucket: decision.bucket, cohort: decision.cohort, configVersion: decision.configVersion }, secret, now);
  return { cohort: decision.cohort, bucket: decision.bucket, configVersion: decision.configVersion, reason: decision.reason, cookie };
}
