import type { NextRequest } from 'next/server';
import { handleRequest } from '@/lib/rollout/edge/handle-request';

export function middleware(request: NextRequest) {
  return handleRequest(request);
}

export const config = {
  // Static files (the app icon, images) never need a session or a cohort.
  matcher: ['/((?!_next/static|_next/image|favicon.ico|icon.svg|.*\\.(?:svg|png|jpg|jpeg|gif|webp|ico)$).*)'],
};
