import { errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { hmacKey } from '@/lib/auth/hmac-key';
import { COHORTS, type Cohort } from '@/lib/rollout/config';

export const COHORT_COOKIE = 'sy-cohort';
/** Short-lived: the cohort is re-evaluated at least this often even without a config change. */
export const COHORT_COOKIE_TTL_S = 10 * 60;

const claimsSchema = z.object({
  sub: z.string().min(1).max(128),
  bucket: z.number().int().min(0).max(9_999),
  cohort: z.enum(COHORTS),
  v: z.number().int().min(1),
  exp: z.number(),
});

export interface CohortClaim {
  userId: string;
  bucket: number;
  cohort: Cohort;
  configVersion: number;
}

/** HS256-signed, expiring cohort claim (Web Crypto via jose: edge and Node alike). */
export async function signCohortCookie(claim: CohortClaim, secret: string, now = Date.now()): Promise<string> {
  return new SignJWT({ bucket: claim.bucket, cohort: claim.cohort, v: claim.configVersion })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claim.userId)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(now / 1000) + COHORT_COOKIE_TTL_S)
    .sign(await hmacKey(secret));
}

/** The claim, or null for a missing, forged, malformed or expired cookie (never throws on bad input). */
export async function verifyCohortCookie(value: string | undefined, secret: string, now = Date.now()): Promise<CohortClaim | null> {
  if (!value) return null;
  try {
    const { payload } = await jwtVerify(value, await hmacKey(secret), { algorithms: ['HS256'], currentDate: new Date(now) });
    const claims = claimsSchema.parse(payload);
    return { userId: claims.sub, bucket: claims.bucket, cohort: claims.cohort, configVersion: claims.v };
  } catch (error) {
    if (error instanceof errors.JOSEError || error instanceof z.ZodError) return null;
    throw new Error('rollout: unexpected failure verifying the cohort cookie', { cause: error });
  }
}
