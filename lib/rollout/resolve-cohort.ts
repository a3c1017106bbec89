import 'server-only';
import { cookies, headers } from 'next/headers';
import type { NextRequest } from 'next/server';
import { currentUser } from '@/lib/auth/current-user';
import type { SessionUser } from '@/lib/auth/verify-access-token';
import { serverEnv } from '@/lib/env';
import { browserFamily } from '@/lib/rollout/browser-family';
import { COHORT_COOKIE, verifyCohortCookie } from '@/lib/rollout/cohort-cookie';
import type { Cohort } from '@/lib/rollout/config';
import { ANON_COOKIE } from '@/lib/rollout/edge-cohort';
import { evaluate, type DecisionReason, type RolloutSubject } from '@/lib/rollout/evaluate';
import { currentRolloutConfig } from '@/lib/rollout/server-config';

export interface ResolvedCohort {
  cohort: Cohort;
  bucket: number;
  configVersion: number;
  /** `cookie`: the middleware's signed claim was current; `recomputed`: it was missing, stale or forged. */
  source: 'cookie' | 'recomputed';
  reason: DecisionReason | null;
  subject: RolloutSubject;
}

/** The rollout subject for a user, or — signed out — for the anonymous id cookie. */
export function subjectOf(user: SessionUser | null, anonId: string | undefined, userAgent: string | null): RolloutSubject {
  return {
    userId: user?.id ?? anonId ?? 'anonymous',
    email: user?.email ?? null,
    role: user?.role ?? 'anonymous',
    segment: user?.segment ?? null,
    browser: browserFamily(userAgent),
  };
}

/** The request's rollout subject: the signed-in user, else the anonymous id cookie. */
export async function currentSubject(): Promise<RolloutSubject> {
  const [user, cookieStore, headerStore] = await Promise.all([currentUser(), cookies(), headers()]);
  return subjectOf(user, cookieStore.get(ANON_COOKIE)?.value, headerStore.get('user-agent'));
}

/**
 * For route handlers that authenticated the caller themselves (a bearer token has no
 * session cookie): that caller's subject and the cohort cookie sent with the request.
 */
export function requestCohortInput(request: NextRequest, user: SessionUser): { subject: RolloutSubject; cohortCookie: string | null } {
  return { subject: subjectOf(user, undefined, request.headers.get('user-agent')), cohortCookie: request.cookies.get(COHORT_COOKIE)?.value ?? null };
}

/**
 * Server-side re-verification of the middleware's cohort cookie: trusted only when its
 * signature, expiry, user and config version all check out; otherwise recomputed from
 * the current config. A bad cookie never breaks a page. Without `cohortCookie` the
 * request's cookie store is read.
 */
export async function resolveCohort(subject?: RolloutSubject, cohortCookie?: string | null): Promise<ResolvedCohort> {
  const cookieValue = async () => (cohortCookie === undefined ? (await cookies()).get(COHORT_COOKIE)?.value : (cohortCookie ?? undefined));
  const [resolvedSubject, config, value] = await Promise.all([subject ?? currentSubject(), currentRolloutConfig(), cookieValue()]);
  const claim = await verifyCohortCookie(value, serverEnv().ROLLOUT_COOKIE_SECRET);
  if (claim && claim.userId === resolvedSubject.userId && claim.configVersion === config.version) {
    return { cohort: claim.cohort, bucket: claim.bucket, configVersion: claim.configVersion, source: 'cookie', reason: null, subject: resolvedSubject };
  }
  const decision = evaluate(config, resolvedSubject);
  return { cohort: decision.cohort, bucket: decision.bucket, configVersion: config.version, source: 'recomputed', reason: decision.reason, subject: resolvedSubject };
}
