import { NextResponse } from 'next/server';
import { handleApiError } from '@/lib/api/handle-api-error';
import { readJsonBody } from '@/lib/api/read-json-body';
import { requireApiAdmin } from '@/lib/auth/require-api-user';
import { previewRequestSchema } from '@/lib/migration/admin-requests';
import { previewRolloutChange } from '@/lib/migration/admin-service';

export async function POST(request: Request) {
  try {
    await requireApiAdmin(request);
    const { commands } = await readJsonBody(request, previewRequestSchema, { maxBytes: 256 * 1024 });
    return NextResponse.json(await previewRolloutChange(commands));
  } catch (error) {
    return handleApiError(error);
  }
}
