import { NextResponse, type NextRequest } from 'next/server';
import { ApiError } from '@/lib/api/api-error';
import { handleApiError } from '@/lib/api/handle-api-error';
import { formatIssues } from '@/lib/api/read-json-body';
import { authenticateCaller } from '@/lib/auth/authenticate-caller';
import { db } from '@/lib/db/pool';
import { buildReport, reportCsv } from '@/lib/validation/report';
import { reportQuerySchema } from '@/lib/validation/report-query';

export async function GET(request: NextRequest) {
  try {
    const caller = await authenticateCaller(request);
    const query = reportQuerySchema.safeParse(Object.fromEntries(request.nextUrl.searchParams));
    if (!query.success) throw new ApiError('validation_failed', formatIssues(query.error.issues));
    // Who said what (per-user shares, quarantine, refused batches) is for admins only.
    const report = await buildReport(db(), query.data, { oversight: caller.kind === 'service' || caller.user.role === 'admin' });
    if (query.data.format === 'csv') {
      return new NextResponse(reportCsv(report), {
        headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="validation-${report.generatedAt}.csv"`, 'cache-control': 'no-store' },
      });
    }
    return NextResponse.json(report, { headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    return handleApiError(error);
  }
}
