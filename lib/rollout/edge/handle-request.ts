import { NextResponse, type NextRequest } from 'next/server';
import { refreshSession } from '@/lib/auth/refresh-session';
import { serverEnv } from '@/lib/env';
import { getsCohort, requestKind } from '@/lib/routing/request-kind';
import { ANON_COOKIE, decideCohort, subjectOf } from '@/lib/rollout/cohort';
import { COHORT_COOKIE, COHORT_COOKIE_TTL_S } from '@/lib/rollout/cohort-cookie';
import { rolloutConfigSchema } from '@/lib/rollout/config';
import { snapshotToken } from '@/lib/rollout/edge/internal-token';
import { createSnapshotCache } from '@/lib/rollout/edge/snapshot-cache';
import type { CookieToSet } from '@/lib/supabase/edge-session';

const ANON_ID = /^anon-[0-9a-f-]{36}$/;

const snapshots = createSnapshotCache({
  now: () => Date.now(),
  async fetchConfig() {
    const env = serverEnv();
    const response = await fetch(new URL('/api/rollout/snapshot', env.APP_URL), {
      headers: { authorization: `Bearer ${await snapshotToken(env.ROLLOUT_COOKIE_SECRET)}` },
      signal: AbortSignal.timeout(750),
      cache: 'no-store',
    });
    if (!response.ok) throw new Error(`rollout: snapshot answered HTTP ${response.status}`);
    return rolloutConfigSchema.parse(await response.json());
  },
});

/**
 * Everything `middleware.ts` does (edge runtime, Web APIs only): refresh the session,
 * send signed-out visitors of protected pages to /login, and bucket page visitors into a
 * rollout cohort by the one cohort rule (lib/rollout/cohort.ts) from an in-memory config
 * snapshot — no database and no waiting on the network on the request path.
 */
export async function handleRequest(request: NextRequest): Promise<NextResponse> {
  const env = serverEnv();
  const kind = requestKind(request.nextUrl.pathname);
  const session = await refreshSession(request, kind, env);
  if (session.redirectTo) return withCookies(NextResponse.redirect(session.redirectTo), session.cookies);
  const cookies = [...session.cookies];
  if (getsCohort(kind)) {
    const existing = request.cookies.get(ANON_COOKIE)?.value;
    const anonId = session.user ? undefined : existing && ANON_ID.test(existing) ? existing : `anon-${crypto.randomUUID()}`;
    if (anonId && anonId !== existing) cookies.push({ name: ANON_COOKIE, value: anonId, options: { httpOnly: true, sameSite: 'lax', path: '/', maxAge: 365 * 24 * 3600 } });
    const subject = subjectOf(session.user, anonId, request.headers.get('user-agent'));
    const decision = await decideCohort(await snapshots.get(), subject, request.cookies.get(COHORT_COOKIE)?.value, env.ROLLOUT_COOKIE_SECRET);
    if (decision.cookie) cookies.push({ name: COHORT_COOKIE, value: decision.cookie, options: { httpOnly: true, sameSite: 'lax', path: '/', maxAge: COHORT_COOKIE_TTL_S } });
    for (const cookie of cookies) request.cookies.set(cookie.name, cookie.value);
  }
  return withCookies(NextResponse.next({ request }), cookies);
}

function withCookies(response: NextResponse, cookies: CookieToSet[]): NextResponse {
  for (const { name, value, options } of cookies) response.cookies.set(name, value, options);
  return response;
}
