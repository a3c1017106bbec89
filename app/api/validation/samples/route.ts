import { NextResponse } from 'next/server';
import { handleApiError } from '@/lib/api/handle-api-error';
import { authenticateCaller } from '@/lib/auth/authenticate-caller';
import { acceptSamples } from '@/lib/validation/store/accept-samples';

export async function POST(request: Request) {
  try {
    const caller = await authenticateCaller(request);
    return NextResponse.json(await acceptSamples(request, caller), { status: 202 });
  } catch (error) {
    return handleApiError(error);
  }
}
