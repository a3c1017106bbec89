import 'server-only';
import { safeReturnPath } from '@/lib/auth/return-path';
import { serverEnv } from '@/lib/env';

/** `safeReturnPath` against this app's own origin (`APP_URL`): what every redirect of the app goes through. */
export function appReturnPath(value: unknown): string {
  return safeReturnPath(value, serverEnv().APP_URL);
}
