import { NextResponse } from 'next/server';
import { handleApiError } from '@/lib/api/handle-api-error';
import { readJsonBody } from '@/lib/api/read-json-body';
import { requireApiAdmin } from '@/lib/auth/require-api-user';
import { changeRequestSchema } from '@/lib/migration/admin-requests';
import { rolloutOverview, saveRolloutChange } from '@/lib/migration/admin-service';

export async function GET(request: Request) {
  try {
    await requireApiAdmin(request);
    return NextResponse.json(await rolloutOverview(), { headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    return handleApiError(error);
  }
}

export async function POST(request: Request) {
  try {
    const admin = await requireApiAdmin(request);
    const change = await readJsonBody(request, changeRequestSchema, { maxBytes: 256 * 1024 });
    return NextResponse.json({ config: await saveRolloutChange(admin, change) });
  } catch (error) {
    return handleApiError(error);
  }
}
