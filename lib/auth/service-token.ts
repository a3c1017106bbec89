import { errors, jwtVerify } from 'jose';
import { hmacKey } from '@/lib/auth/hmac-key';

/** True for a valid `service_role` JWT (the service-role key, or one minted from the secret). */
export async function isServiceRoleToken(token: string, jwtSecret: string): Promise<boolean> {
  try {
    const { payload } = await jwtVerify(token, await hmacKey(jwtSecret), { algorithms: ['HS256'] });
    return payload.role === 'service_role';
  } catch (error) {
    if (error instanceof errors.JOSEError) return false;
    throw new Error('auth: unexpected failure verifying a service token', { cause: error });
  }
}
