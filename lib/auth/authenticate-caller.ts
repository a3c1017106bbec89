import 'server-only';
import { ApiError } from '@/lib/api/api-error';
import { currentUser } from '@/lib/auth/current-user';
import { isServiceRoleToken } from '@/lib/auth/service-token';
import { verifyAccessToken, type SessionUser } from '@/lib/auth/verify-access-token';
import { serverEnv } from '@/lib/env';

export type Caller = { kind: 'user'; user: SessionUser } | { kind: 'service' };

/**
 * Who is calling an API route: `Authorization: Bearer <user access token | service-role
 * key>` (probes, scripts), else the browser's session cookie. 401 when neither checks out.
 */
export async function authenticateCaller(request: Request): Promise<Caller> {
  const header = request.headers.get('authorization');
  if (header) {
    const token = /^Bearer (.+)$/i.exec(header)?.[1]?.trim();
    if (!token) throw new ApiError('unauthorized', 'Use "Authorization: Bearer <token>".');
    const secret = serverEnv().SUPABASE_JWT_SECRET;
    const user = await verifyAccessToken(token, secret);
    if (user) return { kind: 'user', user };
    if (await isServiceRoleToken(token, secret)) return { kind: 'service' };
    throw new ApiError('unauthorized', 'The bearer token is invalid or expired.');
  }
  // No cookie header, no session: answer 401 without touching the request-scoped cookie store.
  const user = request.headers.has('cookie') ? await currentUser() : null;
  if (!user) throw new ApiError('unauthorized', 'Sign in or send a bearer token.');
  return { kind: 'user', user };
}
