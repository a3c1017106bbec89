import type { NextRequest } from 'next/server';
import { handleRequest } from '@/lib/rollout/handle-request';

export function middleware(request: NextRequest) {
  return handleRequest(request);
}

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
};
