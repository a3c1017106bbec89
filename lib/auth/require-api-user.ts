import 'server-only';
import { ApiError } from '@/lib/api/api-error';
import { authenticateCaller } from '@/lib/auth/authenticate-caller';
import type { SessionUser } from '@/lib/auth/verify-access-token';

/** The service-role key acts as an admin (scripts, runbooks); it has no user id. */
const SERVICE_ADMIN: SessionUser = { id: 'service_role', email: 'service_role', role: 'admin', segment: null, sessionId: null, expiresAt: Number.MAX_SAFE_INTEGER };

/** For route handlers: the signed-in user (session cookie or bearer access token), or 401. */
export async function requireApiUser(request: Request): Promise<SessionUser> {
  const caller = await authenticateCaller(request);
  return caller.kind === 'user' ? caller.user : SERVICE_ADMIN;
}

/** For admin route handlers: an admin (or the service-role key), or 401/403. */
export async function requireApiAdmin(request: Request): Promise<SessionUser> {
  const user = await requireApiUser(request);
  if (user.role !== 'admin') throw new ApiError('forbidden', 'Only admins may do this.');
  return user;
}
