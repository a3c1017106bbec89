import { NextResponse, type NextRequest } from 'next/server';
import { ApiError } from '@/lib/api/api-error';
import { handleApiError } from '@/lib/api/handle-api-error';
import { formatIssues } from '@/lib/api/read-json-body';
import { requireApiAdmin } from '@/lib/auth/require-api-user';
import { explainQuerySchema } from '@/lib/rollout/admin-requests';
import { explainUser } from '@/lib/rollout/admin-service';

export async function GET(request: NextRequest) {
  try {
    await requireApiAdmin(request);
    const query = explainQuerySchema.safeParse(Object.fromEntries(request.nextUrl.searchParams));
    if (!query.success) throw new ApiError('validation_failed', formatIssues(query.error.issues));
    return NextResponse.json(await explainUser(query.data.user));
  } catch (error) {
    return handleApiError(error);
  }
}
