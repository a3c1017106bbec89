import { NextResponse } from 'next/server';
import { ApiError } from '@/lib/api/api-error';
import { handleApiError } from '@/lib/api/handle-api-error';
import { serverEnv } from '@/lib/env';
import { sameToken, snapshotToken } from '@/lib/rollout/edge/internal-token';
import { currentRolloutConfig } from '@/lib/rollout/server/server-config';

/** Internal: the config snapshot the edge middleware buckets with. */
export async function GET(request: Request) {
  try {
    const bearer = request.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
    if (!sameToken(bearer, await snapshotToken(serverEnv().ROLLOUT_COOKIE_SECRET))) throw new ApiError('unauthorized', 'This endpoint is internal.');
    return NextResponse.json(await currentRolloutConfig(), { headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    return handleApiError(error);
  }
}
