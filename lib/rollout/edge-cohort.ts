import type { NextRequest } from 'next/server';
import type { SessionUser } from '@/lib/auth/verify-access-token';
import type { CookieToSet } from '@/lib/auth/session-middleware';
import { browserFamily } from '@/lib/rollout/browser-family';
import { COHORT_COOKIE, COHORT_COOKIE_TTL_S, signCohortCookie, verifyCohortCookie } from '@/lib/rollout/cohort-cookie';
import type { RolloutConfig } from '@/lib/rollout/config';
import { evaluate, type Decision } from '@/lib/rollout/evaluate';

/** Anonymous visitors get a random stable id so they bucket like users do. */
export const ANON_COOKIE = 'sy-anon';
const ANON_ID = /^anon-[0-9a-f-]{36}$/;

/**
 * The cohort step of the middleware: stable id → bucket → cohort, written as a signed
 * cookie (re-signed only when the decision changes or the cookie nears expiry).
 */
export async function assignCohort(request: NextRequest, user: SessionUser | null, config: RolloutConfig, secret: string): Promise<{ decision: Decision; cookies: CookieToSet[] }> {
  const cookies: CookieToSet[] = [];
  let userId = user?.id;
  if (!userId) {
    const existing = request.cookies.get(ANON_COOKIE)?.value;
    userId = existing && ANON_ID.test(existing) ? existing : `anon-${crypto.randomUUID()}`;
    if (userId !== existing) cookies.push({ name: ANON_COOKIE, value: userId, options: { httpOnly: true, sameSite: 'lax', path: '/', maxAge: 365 * 24 * 3600 } });
  }
  const decision = evaluate(config, {
    userId,
    email: user?.email ?? null,
    role: user?.role ?? 'anonymous',
    segment: user?.segment ?? null,
    browser: browserFamily(request.headers.get('user-agent')),
  });
  const now = Date.now();
  const current = await verifyCohortCookie(request.cookies.get(COHORT_COOKIE)?.value, secret, now + (COHORT_COOKIE_TTL_S * 1000) / 2);
  const unchanged = current && current.userId === userId && current.cohort === decision.cohort && current.configVersion === decision.configVersion && current.bucket === decision.bucket;
  if (!unchanged) {
    const value = await signCohortCookie({ userId, bucket: decision.bucket, cohort: decision.cohort, configVersion: decision.configVersion }, secret, now);
    cookies.push({ name: COHORT_COOKIE, value, options: { httpOnly: true, sameSite: 'lax', path: '/', maxAge: COHORT_COOKIE_TTL_S } });
  }
  return { decision, cookies };
}
