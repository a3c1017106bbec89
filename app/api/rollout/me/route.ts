import { NextResponse, type NextRequest } from 'next/server';
import { handleApiError } from '@/lib/api/handle-api-error';
import { requireApiUser } from '@/lib/auth/require-api-user';
import { COHORT_COOKIE, COHORT_COOKIE_TTL_S } from '@/lib/rollout/cohort-cookie';
import { myCohort } from '@/lib/rollout/server/my-cohort';
import { requestCohortInput } from '@/lib/rollout/server/server-cohort';

export async function GET(request: NextRequest) {
  try {
    // The cohort of whoever authenticated (session or bearer), not of the session cookie alone.
    const user = await requireApiUser(request);
    const { body, cookie } = await myCohort(requestCohortInput(request, user));
    const response = NextResponse.json(body, { headers: { 'cache-control': 'no-store' } });
    if (cookie) response.cookies.set(COHORT_COOKIE, cookie, { httpOnly: true, sameSite: 'lax', path: '/', maxAge: COHORT_COOKIE_TTL_S });
    return response;
  } catch (error) {
    return handleApiError(error);
  }
}
