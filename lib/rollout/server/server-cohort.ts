import 'server-only';
import { cookies, headers } from 'next/headers';
import type { NextRequest } from 'next/server';
import { currentUser } from '@/lib/auth/current-user';
import type { SessionUser } from '@/lib/auth/verify-access-token';
import { serverEnv } from '@/lib/env';
import { ANON_COOKIE, decideCohort, subjectOf, type CohortDecision } from '@/lib/rollout/cohort';
import { COHORT_COOKIE } from '@/lib/rollout/cohort-cookie';
import type { RolloutSubject } from '@/lib/rollout/evaluate';
import { currentRolloutConfig } from '@/lib/rollout/server/server-config';

/** This request's rollout subject: the signed-in user, else the anonymous id cookie. */
export async function currentSubject(): Promise<RolloutSubject> {
  const [user, cookieStore, headerStore] = await Promise.all([currentUser(), cookies(), headers()]);
  return subjectOf(user, cookieStore.get(ANON_COOKIE)?.value, headerStore.get('user-agent'));
}

/** For route handlers that authenticated the caller themselves (a bearer has no session cookie). */
export function requestCohortInput(request: NextRequest, user: SessionUser): { subject: RolloutSubject; cohortCookie: string | null; request: NextRequest } {
  return { subject: subjectOf(user, undefined, request.headers.get('user-agent')), cohortCookie: request.cookies.get(COHORT_COOKIE)?.value ?? null, request };
}

/**
 * The cohort of a subject (by default this request's) on the server: the one cohort rule
 * (lib/rollout/cohort.ts) on the current config. Without `cohortCookie` the request's
 * cookie store is read — only to know whether the claim needs re-signing.
 */
export async function serverCohort(subject?: RolloutSubject, cohortCookie?: string | null): Promise<CohortDecision & { subject: RolloutSubject }> {
  const cookieValue = async () => (cohortCookie === undefined ? (await cookies()).get(COHORT_COOKIE)?.value : cohortCookie);
  const [resolved, config, value] = await Promise.all([subject ?? currentSubject(), currentRolloutConfig(), cookieValue()]);
  return { ...(await decideCohort(config, resolved, value, serverEnv().ROLLOUT_COOKIE_SECRET)), subject: resolved };
}
