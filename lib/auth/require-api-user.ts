import 'server-only';
import { ApiError } from '@/lib/api/api-error';
import { currentUser } from '@/lib/auth/current-user';
import type { SessionUser } from '@/lib/auth/verify-access-token';

/** For route handlers: the signed-in user, or 401. */
export async function requireApiUser(): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) throw new ApiError('unauthorized', 'Sign in first.');
  return user;
}

/** For admin route handlers: an admin, or 401/403. */
export async function requireApiAdmin(): Promise<SessionUser> {
  const user = await requireApiUser();
  if (user.role !== 'admin') throw new ApiError('forbidden', 'Only admins may do this.');
  return user;
}
