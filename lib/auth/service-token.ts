import { errors, jwtVerify } from 'jose';

/** True for a valid `service_role` JWT (the service-role key, or one minted from the secret). */
export async function isServiceRoleToken(token: string, jwtSecret: string): Promise<boolean> {
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(jwtSecret), { algorithms: ['HS256'] });
    return payload.role === 'service_role';
  } catch (error) {
    if (error instanceof errors.JOSEError) return false;
    throw new Error('auth: unexpected failure verifying a service token', { cause: error });
  }
}
