import 'server-only';
import { ApiError } from '@/lib/api/api-error';
import { authenticateCaller, type Caller } from '@/lib/auth/authenticate-caller';

/**
 * A signed-in reader: `Authorization: Bearer <access token | service-role key>` or the
 * session cookie. A request carrying neither is refused before any session lookup.
 */
export async function authenticateReader(request: Request): Promise<Caller> {
  if (!request.headers.get('authorization') && !request.headers.get('cookie')) {
    throw new ApiError('unauthorized', 'Sign in or send "Authorization: Bearer <access token>".');
  }
  return authenticateCaller(request);
}
