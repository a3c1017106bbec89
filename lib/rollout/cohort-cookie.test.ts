import { describe, expect, it } from 'vitest';
import { COHORT_COOKIE_TTL_S, signCohortCookie, verifyCohortCookie } from '@/lib/rollout/cohort-cookie';

const secret = 'a-test-secret-that-is-long-enough-0123456789';
const claim = { userId: 'user-1', bucket: 1234, cohort: 'realtime' as const, configVersion: 7 };

describe('cohort cookie', () => {
  it('round-trips a signed claim', async () => {
    expect(await verifyCohortCookie(await signCohortCookie(claim, secret), secret)).toEqual(claim);
  });

  it('rejects a tampered payload', async () => {
    const [header, payload, signature] = (await signCohortCookie(claim, secret)).split('.');
    const forged = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    forged.cohort = 'legacy';
    const tampered = [header, Buffer.from(JSON.stringify(forged)).toString('base64url'), signature].join('.');
    expect(await verifyCohortCookie(tampered, secret)).toBeNull();
  });

  it('rejects a cookie signed with another secret', async () => {
    expect(await verifyCohortCookie(await signCohortCookie(claim, `${secret}-other`), secret)).toBeNull();
  });

  it('rejects an expired cookie', async () => {
    const issued = Date.now() - (COHORT_COOKIE_TTL_S + 5) * 1000;
    expect(await verifyCohortCookie(await signCohortCookie(claim, secret, issued), secret)).toBeNull();
  });

  it('treats missing and garbage values as no cookie', async () => {
    expect(await verifyCohortCookie(undefined, secret)).toBeNull();
    expect(await verifyCohortCookie('not.a.jwt', secret)).toBeNull();
    expect(await verifyCohortCookie('%%%', secret)).toBeNull();
  });
});
