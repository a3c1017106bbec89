import { NextResponse } from 'next/server';
import { z } from 'zod';
import { handleApiError } from '@/lib/api/handle-api-error';
import { readJsonBody } from '@/lib/api/read-json-body';
import { requireApiAdmin } from '@/lib/auth/require-api-user';
import { db } from '@/lib/db/pool';
import { checkGates, resumeGateRunner } from '@/lib/migration/gate-runner';
import { appWindowMs } from '@/lib/validation/store/window-config';

/** The gates for the current stage, the runner's streak and what it would do now (admins). */
export async function GET(request: Request) {
  try {
    await requireApiAdmin(request);
    const check = await checkGates(db(), { windowMs: appWindowMs() });
    return NextResponse.json(
      { stage: check.config.stage, next: check.next, windowStart: check.windowStart, verdict: check.verdict, results: check.results, runner: check.nextRunner, action: check.action },
      { headers: { 'cache-control': 'no-store' } },
    );
  } catch (error) {
    return handleApiError(error);
  }
}

const bodySchema = z.strictObject({ action: z.literal('resume') });

/** An admin looked at an inconclusive stage: the runner may act again. */
export async function POST(request: Request) {
  try {
    await requireApiAdmin(request);
    await readJsonBody(request, bodySchema, { maxBytes: 1_024 });
    await resumeGateRunner(db());
    return NextResponse.json({ resumed: true });
  } catch (error) {
    return handleApiError(error);
  }
}
