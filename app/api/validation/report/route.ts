import { NextResponse, type NextRequest } from 'next/server';
import { handleApiError } from '@/lib/api/handle-api-error';
import { readSearchParams } from '@/lib/api/read-search-params';
import { authenticateCaller } from '@/lib/auth/authenticate-caller';
import { db } from '@/lib/db/pool';
import { buildReport } from '@/lib/validation/store/report';
import { reportCsv } from '@/lib/validation/store/report-csv';
import { reportQuerySchema } from '@/lib/validation/engine/report-query';

export async function GET(request: NextRequest) {
  try {
    const caller = await authenticateCaller(request);
    const query = readSearchParams(request.nextUrl.searchParams, reportQuerySchema);
    // Who said what (per-user shares, quarantine, refused batches) is for admins only.
    const report = await buildReport(db(), query, { oversight: caller.kind === 'service' || caller.user.role === 'admin' });
    if (query.format === 'csv') {
      return new NextResponse(reportCsv(report), {
        headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="validation-${report.generatedAt}.csv"`, 'cache-control': 'no-store' },
      });
    }
    return NextResponse.json(report, { headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    return handleApiError(error);
  }
}
