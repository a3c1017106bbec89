import { describe, expect, it } from 'vitest';
import { bucketOf, BUCKETS } from '@/lib/rollout/bucket';
import { DEFAULT_CONFIG, type RolloutConfig } from '@/lib/rollout/config';
import { evaluate, type RolloutSubject } from '@/lib/rollout/evaluate';

const config = (patch: Partial<RolloutConfig>): RolloutConfig => ({ ...DEFAULT_CONFIG, stage: '25', percentage: 25, ...patch });
const subject = (userId: string, patch: Partial<RolloutSubject> = {}): RolloutSubject => ({
  userId,
  email: `${userId}@example.com`,
  role: 'viewer',
  segment: null,
  browser: 'chrome',
  ...patch,
});
const ids = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
const realtimeSet = (c: RolloutConfig) => new Set(ids.filter((id) => evaluate(c, subject(id)).cohort === 'realtime'));

describe('bucketing', () => {
  it('spreads 100,000 ids evenly over the buckets (chi-square within tolerance)', () => {
    const counts = new Array<number>(100).fill(0);
    for (const id of ids) counts[Math.floor(bucketOf('k', 1, id) / (BUCKETS / 100))]! += 1;
    const expected = ids.length / 100;
    const chiSquare = counts.reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    // 99 degrees of freedom: the 99.9th percentile of chi-square is ≈ 148.
    expect(chiSquare).toBeLessThan(148);
  });

  it.each([1, 25, 50, 75])('puts %s %% of 100,000 users on Realtime within 4 standard deviations', (pct) => {
    const share = realtimeSet(config({ percentage: pct })).size;
    const p = pct / 100;
    const sd = Math.sqrt(ids.length * p * (1 - p));
    expect(Math.abs(share - ids.length * p)).toBeLessThan(4 * sd);
  });

  it('keeps users in their cohort when the percentage grows (only adds users)', () => {
    const at25 = realtimeSet(config({ percentage: 25 }));
    const at50 = realtimeSet(config({ percentage: 50, highWater: 50 }));
    for (const id of at25) expect(at50.has(id)).toBe(true);
    expect(at50.size).toBeGreaterThan(at25.size);
  });

  it('reshuffles on purpose when the bucket version is bumped', () => {
    const v1 = realtimeSet(config({ percentage: 50 }));
    const v2 = realtimeSet(config({ percentage: 50, bucketVersion: 2 }));
    const overlap = [...v1].filter((id) => v2.has(id)).length;
    // Independent halves overlap by about a quarter of all users.
    expect(overlap / ids.length).toBeGreaterThan(0.23);
    expect(overlap / ids.length).toBeLessThan(0.27);
  });
});

describe('ratchet', () => {
  it('keeps already-exposed users on Realtime when the percentage shrinks', () => {
    const exposed = realtimeSet(config({ percentage: 50, highWater: 50 }));
    const shrunk = realtimeSet(config({ percentage: 25, highWater: 50, ratchet: true }));
    expect(shrunk).toEqual(exposed);
  });

  it('lets the percentage shrink the cohort when the ratchet is off', () => {
    const shrunk = realtimeSet(config({ percentage: 25, highWater: 50, ratchet: false }));
    expect(shrunk).toEqual(realtimeSet(config({ percentage: 25, highWater: 25 })));
  });
});

describe('precedence', () => {
  const everything = config({
    percentage: 100,
    killSwitch: false,
    overrides: { alice: 'legacy' },
    segments: [{ id: 'ops', name: 'Ops team', enabled: true, cohort: 'shadow', rule: { emailDomains: ['ops.example'], roles: [], browsers: [], segments: [], userIds: [] } }],
  });

  it('lets the kill switch beat everything', () => {
    const killed = { ...everything, killSwitch: true };
    expect(evaluate(killed, subject('alice')).cohort).toBe('legacy');
    expect(evaluate(killed, subject('bob', { email: 'bob@ops.example' })).reason.kind).toBe('kill-switch');
    expect(evaluate(killed, subject('carol')).cohort).toBe('legacy');
  });

  it('puts a per-user override above segment rules and the percentage', () => {
    const decision = evaluate(everything, subject('alice', { email: 'alice@ops.example' }));
    expect(decision).toMatchObject({ cohort: 'legacy', reason: { kind: 'override' } });
  });

  it('puts a segment rule above the percentage', () => {
    expect(evaluate(everything, subject('bob', { email: 'bob@ops.example' }))).toMatchObject({ cohort: 'shadow', reason: { kind: 'segment', segmentId: 'ops' } });
    expect(evaluate(everything, subject('carol')).cohort).toBe('realtime');
  });

  it('ANDs the conditions of one segment and ignores disabled segments', () => {
    const c = config({
      segments: [
        { id: 'ff-admins', name: 'Firefox admins', enabled: true, cohort: 'realtime', rule: { emailDomains: [], roles: ['admin'], browsers: ['firefox'], segments: [], userIds: [] } },
        { id: 'off', name: 'Disabled', enabled: false, cohort: 'realtime', rule: { emailDomains: [], roles: ['viewer'], browsers: [], segments: [], userIds: [] } },
      ],
      percentage: 0,
    });
    expect(evaluate(c, subject('u1', { role: 'admin', browser: 'firefox' })).cohort).toBe('realtime');
    expect(evaluate(c, subject('u2', { role: 'admin', browser: 'chrome' })).cohort).toBe('shadow');
    expect(evaluate(c, subject('u3', { role: 'viewer', browser: 'firefox' })).reason.kind).toBe('percentage');
  });

  it('sends everyone to legacy before the parallel run and to Realtime after decommissioning', () => {
    expect(evaluate(config({ stage: 'legacy-only', percentage: 0 }), subject('x')).cohort).toBe('legacy');
    const decommissioned = config({ stage: 'decommissioned', percentage: 100, overrides: { x: 'legacy' } });
    expect(evaluate(decommissioned, subject('x')).cohort).toBe('realtime');
  });
});
