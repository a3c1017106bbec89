import 'server-only';
import { cookies, headers } from 'next/headers';
import { currentUser } from '@/lib/auth/current-user';
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

/** The request's rollout subject: the signed-in user, else the anonymous id cookie. */
export async function currentSubject(): Promise<RolloutSubject> {
  const [user, cookieStore, headerStore] = await Promise.all([currentUser(), cookies(), headers()]);
  return {
    userId: user?.id ?? cookieStore.get(ANON_COOKIE)?.value ?? 'anonymous',
    email: user?.email ?? null,
    role: user?.role ?? 'anonymous',
    segment: user?.segment ?? null,
    browser: browserFamily(headerStore.get('user-agent')),
  };
}

/**
 * Server-side re-verification of the middleware's cohort cookie: trusted only when its
 * signature, expiry, user and config version all check out; otherwise recomputed from
 * the current config. A bad cookie never breaks a page.
 */
export async function resolveCohort(subject?: RolloutSubject): Promise<ResolvedCohort> {
  const [resolvedSubject, config, cookieStore] = await Promise.all([subject ?? currentSubject(), currentRolloutConfig(), cookies()]);
  const claim = await verifyCohortCookie(cookieStore.get(COHORT_COOKIE)?.value, serverEnv().ROLLOUT_COOKIE_SECRET);
  if (claim && claim.userId === resolvedSubject.userId && claim.configVersion === config.version) {
    return { cohort: claim.cohort, bucket: claim.bucket, configVersion: claim.configVersion, source: 'cookie', reason: null, subject: resolvedSubject };
  }
  const decision = evaluate(config, resolvedSubject);
  return { cohort: decision.cohort, bucket: decision.bucket, configVersion: config.version, source: 'recomputed', reason: decision.reason, subject: resolvedSubject };
}
