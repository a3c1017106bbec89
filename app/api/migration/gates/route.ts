import { NextResponse } from 'next/server';
import { handleApiError } from '@/lib/api/handle-api-error';
import { requireApiAdmin } from '@/lib/auth/require-api-user';
import { db } from '@/lib/db/pool';
import { checkGates } from '@/lib/migration/gate-runner';

/** The gates for the current stage and what the runner would do now (admins). */
export async function GET(request: Request) {
  try {
    await requireApiAdmin(request);
    const check = await checkGates(db());
    return NextResponse.json({ stage: check.config.stage, next: check.next, verdict: check.verdict, results: check.results, action: check.action }, { headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    return handleApiError(error);
  }
}
