import { NextResponse } from 'next/server';
import { z } from 'zod';
import { handleApiError } from '@/lib/api/handle-api-error';
import { readJsonBody } from '@/lib/api/read-json-body';
import { requireApiAdmin } from '@/lib/auth/require-api-user';
import { releaseFromQuarantine } from '@/lib/validation/store/quarantine';

const bodySchema = z.strictObject({ action: z.literal('release'), subject: z.string().min(1).max(128) });

/** An admin looked at a quarantined observer's evidence and lets it count again. */
export async function POST(request: Request) {
  try {
    const admin = await requireApiAdmin(request);
    const body = await readJsonBody(request, bodySchema, { maxBytes: 4_096 });
    return NextResponse.json(await releaseFromQuarantine(body.subject, admin.email));
  } catch (error) {
    return handleApiError(error);
  }
}
