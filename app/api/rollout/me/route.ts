import { NextResponse } from 'next/server';
import { handleApiError } from '@/lib/api/handle-api-error';
import { requireApiUser } from '@/lib/auth/require-api-user';
import { COHORT_COOKIE, COHORT_COOKIE_TTL_S } from '@/lib/rollout/cohort-cookie';
import { myCohort } from '@/lib/rollout/my-cohort';

export async function GET(request: Request) {
  try {
    await requireApiUser(request);
    const { body, cookie } = await myCohort();
    const response = NextResponse.json(body, { headers: { 'cache-control': 'no-store' } });
    if (cookie) response.cookies.set(COHORT_COOKIE, cookie, { httpOnly: true, sameSite: 'lax', path: '/', maxAge: COHORT_COOKIE_TTL_S });
    return response;
  } catch (error) {
    return handleApiError(error);
  }
}
