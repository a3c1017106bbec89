import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSharedRateLimiter, sweepRateLimitBuckets } from '@/lib/api/shared-rate-limiter';
import { startThrowawayPostgres, tolerateShutdown, type ThrowawayPostgres } from '@/test-support/throwaway-postgres';

let postgres: ThrowawayPostgres;
// Two pools stand for two app instances: nothing is shared between them but the database.
let instanceA: pg.Pool;
let instanceB: pg.Pool;

beforeAll(async () => {
  postgres = await startThrowawayPostgres({ seed: false });
  instanceA = tolerateShutdown(new pg.Pool({ connectionString: postgres.databaseUrl, max: 5 }));
  instanceB = tolerateShutdown(new pg.Pool({ connectionString: postgres.databaseUrl, max: 5 }));
});

afterAll(async () => {
  await Promise.all([instanceA?.end(), instanceB?.end()]);
  await postgres?.stop();
});

describe('a rate limit shared through Postgres', () => {
  it('allows a burst once across instances, however the concurrent calls are spread', async () => {
    // A refill of one token per ~3 h: nothing refills during the test.
    const shape = { capacity: 10, perSecond: 0.0001 };
    const a = createSharedRateLimiter(instanceA, 'test-burst', shape);
    const b = createSharedRateLimiter(instanceB, 'test-burst', shape);
    const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).take('caller-1')));
    expect(decisions.filter((d) => d.ok)).toHaveLength(10);
    const refused = decisions.filter((d) => !d.ok);
    expect(refused).toHaveLength(30);
    for (const decision of refused) expect(decision.ok === false && decision.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // Another key, and the same key in another namespace, have buckets of their own.
    expect(await a.take('caller-2')).toEqual({ ok: true });
    expect(await createSharedRateLimiter(instanceB, 'other', shape).take('caller-1')).toEqual({ ok: true });
  });

  it('spends a cost in one go or not at all, and says how long until it fits', async () => {
    const limiter = createSharedRateLimiter(instanceA, 'test-cost', { capacity: 100, perSecond: 10 });
    expect(await limiter.take('u', 80)).toEqual({ ok: true });
    // 20 left (plus a few ms of refill): 50 needs ~3 s more.
    expect(await limiter.take('u', 50)).toEqual({ ok: false, retryAfterSeconds: 3 });
    expect(await createSharedRateLimiter(instanceB, 'test-cost', { capacity: 100, perSecond: 10 }).take('u', 20)).toEqual({ ok: true });
  });

  it('refills at the given rate', async () => {
    const limiter = createSharedRateLimiter(instanceA, 'test-refill', { capacity: 2, perSecond: 20 });
    expect([await limiter.take('u'), await limiter.take('u')]).toEqual([{ ok: true }, { ok: true }]);
    const { rows } = await instanceA.query<{ tokens: number }>("select tokens from public.rate_limit_buckets where key = 'test-refill:u'");
    expect(rows[0]?.tokens).toBeLessThan(1);
    // 20 tokens/s: a token is back within 50 ms; wait on the database's own clock.
    await instanceA.query('select pg_sleep(0.1)');
    expect(await limiter.take('u')).toEqual({ ok: true });
  });

  it('a check is one HOT write to its bucket, allowed or refused (review L4)', async () => {
    const limiter = (client: pg.PoolClient) => createSharedRateLimiter(client, 'test-writes', { capacity: 1, perSecond: 0.0001 });
    const client = await instanceA.connect();
    try {
      // pg_stat_xact_user_tables counts this transaction's own row writes, exactly.
      const writes = async () =>
        (await client.query<{ upd: string; hot: string }>("select n_tup_upd as upd, n_tup_hot_upd as hot from pg_stat_xact_user_tables where relname = 'rate_limit_buckets'")).rows[0] ?? { upd: '0', hot: '0' };
      await limiter(client).take('u');
      await client.query('begin');
      expect(await limiter(client).take('u')).toMatchObject({ ok: false });
      await client.query('commit');
      await client.query('begin');
      await client.query("update public.rate_limit_buckets set tokens = 1 where key = 'test-writes:u'");
      const before = await writes();
      expect(await limiter(client).take('u')).toEqual({ ok: true });
      const after = await writes();
      await client.query('commit');
      expect(Number(after.upd) - Number(before.upd)).toBe(1);
      expect(Number(after.hot) - Number(before.hot)).toBe(1);
    } finally {
      client.release();
    }
  });

  it('refuses a shape or cost that cannot work with a clear error, never a division by zero (review L4)', async () => {
    const call = (capacity: number, perSecond: number, cost: number) => instanceA.query('select public.take_rate_limit($1, $2, $3, $4)', ['test-args:u', capacity, perSecond, cost]);
    await expect(call(10, 0, 1)).rejects.toMatchObject({ code: '22023', message: expect.stringContaining('p_per_second') });
    await expect(call(0, 1, 1)).rejects.toMatchObject({ code: '22023', message: expect.stringContaining('p_capacity') });
    await expect(call(10, 1, 11)).rejects.toMatchObject({ code: '22023', message: expect.stringContaining('p_cost') });
    expect(() => createSharedRateLimiter(instanceA, 'test-args', { capacity: 10, perSecond: 0 })).toThrow(/perSecond/);
    await expect(createSharedRateLimiter(instanceA, 'test-args', { capacity: 10, perSecond: 1 }).take('u', 11)).rejects.toThrow(/cost 11 exceeds/);
  });

  it('sweeps only buckets idle for longer than asked', async () => {
    await createSharedRateLimiter(instanceA, 'test-sweep', { capacity: 1, perSecond: 1 }).take('fresh');
    await instanceA.query("insert into public.rate_limit_buckets (key, tokens, refilled_at) values ('test-sweep:old', 1, now() - interval '1 hour')");
    expect(await sweepRateLimitBuckets(instanceB, 10 * 60_000)).toBe(1);
    const { rows } = await instanceA.query<{ key: string }>("select key from public.rate_limit_buckets where key like 'test-sweep:%'");
    expect(rows.map((r) => r.key)).toEqual(['test-sweep:fresh']);
  });
});
