import { NextResponse, type NextRequest } from 'next/server';
import { handleApiError } from '@/lib/api/handle-api-error';
import { readSearchParams } from '@/lib/api/read-search-params';
import { requireApiAdmin } from '@/lib/auth/require-api-user';
import { explainQuerySchema } from '@/lib/migration/admin-requests';
import { explainUser } from '@/lib/migration/admin-service';

export async function GET(request: NextRequest) {
  try {
    await requireApiAdmin(request);
    const query = readSearchParams(request.nextUrl.searchParams, explainQuerySchema);
    return NextResponse.json(await explainUser(query.user));
  } catch (error) {
    return handleApiError(error);
  }
}
