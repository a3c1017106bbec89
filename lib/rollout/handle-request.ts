import { NextResponse, type NextRequest } from 'next/server';
import { refreshSession, type CookieToSet } from '@/lib/auth/session-middleware';
import { serverEnv } from '@/lib/env';
import { rolloutConfigSchema } from '@/lib/rollout/config';
import { assignCohort } from '@/lib/rollout/edge-cohort';
import { snapshotToken } from '@/lib/rollout/internal-token';
import { createSnapshotCache } from '@/lib/rollout/snapshot-cache';

/** Pages get a cohort; API routes, assets and the login page don't need one. */
const COHORT_PATHS = /^\/(?!api\/|_next\/|login(\/|$)|favicon)/;

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
 * send visitors of protected pages to /login, and bucket the user into a rollout cohort
 * from an in-memory config snapshot (no database call on the request path).
 */
export async function handleRequest(request: NextRequest): Promise<NextResponse> {
  const env = serverEnv();
  const session = await refreshSession(request, env);
  if (session.redirectTo) return withCookies(NextResponse.redirect(session.redirectTo), session.cookies);
  const cookies = [...session.cookies];
  if (COHORT_PATHS.test(request.nextUrl.pathname)) {
    const cohort = await assignCohort(request, session.user, await snapshots.get(), env.ROLLOUT_COOKIE_SECRET);
    for (const cookie of cohort.cookies) request.cookies.set(cookie.name, cookie.value);
    cookies.push(...cohort.cookies);
  }
  return withCookies(NextResponse.next({ request }), cookies);
}

function withCookies(response: NextResponse, cookies: CookieToSet[]): NextResponse {
  for (const { name, value, options } of cookies) response.cookies.set(name, value, options);
  return response;
}
