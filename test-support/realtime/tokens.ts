import { SignJWT } from 'jose';

/** Signs arbitrary claims with HS256 (tests only: expired, role-less, foreign-secret tokens). */
export async function signClaims(secret: string, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
