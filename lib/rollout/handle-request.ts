import type { NextRequest, NextResponse } from 'next/server';
import { refreshSession } from '@/lib/auth/session-middleware';
import { serverEnv } from '@/lib/env';

/**
 * Everything `middleware.ts` does for a request: session refresh and the auth gate now;
 * the rollout issue adds cohort bucketing here (edge runtime: Web APIs only).
 */
export async function handleRequest(request: NextRequest): Promise<NextResponse> {
  const { response } = await refreshSession(request, serverEnv());
  return response;
}
