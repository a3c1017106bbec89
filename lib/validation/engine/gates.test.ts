import { describe, expect, it } from 'vitest';
import { evaluateGates, findOutliers, judgeRate, overall, type StageMetrics, type SubjectEvidence } from '@/lib/validation/engine/gates';
import { emptyHistogram, record } from '@/lib/stats/latency-histogram';

const latency = (ms: number, n: number) => {
  const histogram = emptyHistogram();
  for (let i = 0; i < n; i += 1) record(histogram, ms);
  return histogram;
};

function probe(overrides: Partial<SubjectEvidence> = {}): SubjectEvidence {
  return {
    subject: 'probe',
    trusted: true,
    compared: 12_000,
    discrepancies: 0,
    baselineCompared: 12_000,
    baselineDiscrepancies: 0,
    observerDisagrees: 0,
    legacyFaults: 0,
    realtimeErrors: 1,
    realtimeDeliveries: 12_000,
    latencyRealtime: latency(18, 12_000),
    latencyLegacy: latency(20, 12_000),
    ...overrides,
  };
}

function user(name: string, overrides: Partial<SubjectEvidence> = {}): SubjectEvidence {
  return { ...probe(), subject: name, trusted: false, compared: 4_000, baselineCompared: 0, realtimeErrors: 0, realtimeDeliveries: 4_000, latencyRealtime: latency(30, 4_000), ...overrides };
}

const metrics = (subjects: SubjectEvidence[], overrides: Partial<StageMetrics> = {}): StageMetrics => ({ subjects, quarantined: [], activeUsers: 100, eventsPerSecond: 2, ...overrides });
const gate = (m: StageMetrics, name: string) => evaluateGates(m, 'pro', 1).find((r) => r.gate === name);
const browsers = (n: number, overrides: Partial<SubjectEvidence> = {}) => Array.from({ length: n }, (_, i) => user(`user-${i}`, overrides));

describe('the verdict on a rate', () => {
  it('passes only when even the upper bound is inside the limit, fails only when even the lower bound is outside, and is inconclusive in between', () => {
    expect(judgeRate(0, 3_000, 0.001, 3_000).status).toBe('pass'); // rule of three: < 0.1 %
    expect(judgeRate(0, 2_999, 0.001, 3_000).status).toBe('wait');
    expect(judgeRate(100, 10_000, 0.001, 3_000).status).toBe('fail');
    // 2 in 5,735 — the closed-tab case of issue 10 — is no evidence of a breach.
    expect(judgeRate(2, 5_735, 0.001, 3_000).status).toBe('inconclusive');
    expect(judgeRate(20, 20_000, 0.001, 3_000).status).toBe('inconclusive');
  });

  it('forgives what the legacy feed also shows against itself', () => {
    expect(judgeRate(20, 20_000, 0.001, 3_000, { k: 20, n: 20_000 }).status).toBe('pass');
  });
});

describe('migration gates', () => {
  it('pass when every measure is inside its target', () => {
    expect(overall(evaluateGates(metrics([probe(), ...browsers(5)]), 'pro', 1))).toBe('pass');
  });

  it('rest on the probe: without it nothing passes, however many browsers agree', () => {
    expect(gate(metrics(browsers(10)), 'consistency')?.status).toBe('wait');
    expect(gate(metrics(browsers(10)), 'latency')?.status).toBe('wait');
    expect(overall(evaluateGates(metrics([probe({ compared: 100 })]), 'pro', 1))).toBe('wait');
  });

  it('fail consistency at 1 % loss on the probe, and call it severe; 0.5 % fails but is not severe', () => {
    expect(gate(metrics([probe({ compared: 10_000, discrepancies: 100 })]), 'consistency')).toMatchObject({ status: 'fail', severe: true });
    expect(gate(metrics([probe({ compared: 10_000, discrepancies: 50 })]), 'consistency')).toMatchObject({ status: 'fail', severe: false });
  });

  it('cannot be failed by one browser user, however many discrepancies it reports', () => {
    const attacker = user('attacker', { compared: 4_000, discrepancies: 4_000, realtimeErrors: 4_000 });
    for (const crowd of [[], browsers(2), browsers(6)]) {
      const m = metrics([probe(), ...crowd, attacker]);
      expect(gate(m, 'consistency')?.status).toBe('pass');
      expect(gate(m, 'error-rate')?.status).toBe('pass');
    }
  });

  it('cannot be padded to a pass by one browser user: a real breach on the browsers still fails', () => {
    // Five users each see 1 % loss; one more reports a million clean comparisons.
    const padder = user('padder', { compared: 1_000_000, discrepancies: 0 });
    const m = metrics([probe(), ...browsers(5, { discrepancies: 40 }), padder]);
    const consistency = gate(m, 'consistency');
    expect(consistency?.status).toBe('fail');
    expect(consistency?.evidence?.browsers?.trimmed).toContain('padder');
    expect(consistency?.evidence?.probe.status).toBe('pass');
  });

  it('lets browsers vote only with enough users, and says so', () => {
    const consistency = gate(metrics([probe(), ...browsers(3, { discrepancies: 400 })]), 'consistency');
    expect(consistency).toMatchObject({ status: 'pass', evidence: { browsers: { status: 'wait', users: 3 } } });
  });

  it('take latency from the probe: a slow browser is shown, not gated', () => {
    expect(gate(metrics([probe(), user('slow-laptop', { latencyRealtime: latency(900, 4_000) })]), 'latency')?.status).toBe('pass');
    expect(gate(metrics([probe({ latencyRealtime: latency(150, 1_000) })]), 'latency')?.status).toBe('fail');
  });

  it('wait — not inconclusive — while too few deliveries could show < 0.1 % errors even with none', () => {
    expect(gate(metrics([probe({ realtimeErrors: 0, realtimeDeliveries: 2_000 })]), 'error-rate')?.status).toBe('wait');
    expect(gate(metrics([probe({ realtimeErrors: 0, realtimeDeliveries: 3_000 })]), 'error-rate')?.status).toBe('pass');
    expect(gate(metrics([probe({ realtimeErrors: 2, realtimeDeliveries: 3_000 })]), 'error-rate')?.status).toBe('inconclusive');
  });

  it('pause rather than roll back when the probe’s evidence is inside the bounds', () => {
    expect(overall(evaluateGates(metrics([probe({ compared: 5_735, discrepancies: 2 })]), 'pro', 1))).toBe('inconclusive');
  });

  it('refuse a next stage that would use more than 80 % of a plan quota', () => {
    const q = (activeUsers: number, eventsPerSecond: number, plan: 'pro' | 'free' = 'pro') => evaluateGates(metrics([probe()], { activeUsers, eventsPerSecond }), plan, 1).find((r) => r.gate === 'quota-headroom')?.status;
    // Pro: 500 connections, 500 messages/s. 400 users × 0.5 events/s = 80 % and 40 %.
    expect(q(400, 0.5)).toBe('pass');
    expect(q(401, 0.5)).toBe('fail');
    // 200 users × 2 events/s = 400 messages/s: 80 % of 500 passes; 3 events/s does not.
    expect(q(200, 2)).toBe('pass');
    expect(q(200, 3)).toBe('fail');
    expect(q(300, 2, 'free')).toBe('fail');
  });
});

describe('quarantine', () => {
  it('singles out a user whose disagreement with the source stands far outside everyone else’s, never the probe', () => {
    // 420 made-up pairs with a digest that is not the stored row's.
    const forger = user('forger', { compared: 0, observerDisagrees: 420 });
    expect(findOutliers([probe({ discrepancies: 12 }), ...browsers(3), forger]).map((o) => o.subject)).toEqual(['forger']);
    const noisy = user('noisy', { discrepancies: 4_000 });
    expect(findOutliers([probe({ discrepancies: 12 }), ...browsers(3), noisy]).map((o) => o.subject)).toEqual(['noisy']);
    const flooder = user('flooder', { realtimeErrors: 3_000 });
    expect(findOutliers([probe(), ...browsers(3), flooder])).toEqual([{ subject: 'flooder', reason: expect.stringContaining('error rate') }]);
    expect(findOutliers([probe({ discrepancies: 12_000 }), ...browsers(3)])).toEqual([]);
  });

  it('does not quarantine anyone when everyone sees the same breach', () => {
    expect(findOutliers([probe({ discrepancies: 120 }), ...browsers(6, { discrepancies: 40 })])).toEqual([]);
  });

  it('excludes quarantined users from the gates', () => {
    const m = metrics([probe(), ...browsers(4), user('q1', { discrepancies: 4_000 }), user('q2', { discrepancies: 4_000 })], { quarantined: ['q1', 'q2'] });
    expect(gate(m, 'consistency')?.status).toBe('pass');
  });

  it('count messages per viewer by the strategy rolled out: a batched broadcast envelope needs fewer', () => {
    const quota = (target: Parameters<typeof evaluateGates>[4]) => evaluateGates(metrics([probe()], { activeUsers: 40, eventsPerSecond: 21 }), 'pro', 1, {}, target).find((r) => r.gate === 'quota-headroom');
    // Pro: 500 msgs/s. 40 viewers × 21 msgs/s = 840 (168 %); batched 3 rows per message: 280 (56 %).
    expect(quota({ strategy: 'postgres_changes', computeSize: 'micro', blockOnProjection: false })?.status).toBe('fail');
    expect(quota({ strategy: 'broadcast', computeSize: 'micro', blockOnProjection: false, rowsPerBroadcastMessage: 3 })?.status).toBe('pass');
  });

  it('count broadcast viewers’ messages from the measured database broadcast rate when there is one', () => {
    const quota = (broadcastMessagesPerSecond: number) =>
      evaluateGates(metrics([probe()], { activeUsers: 40, eventsPerSecond: 21, broadcastMessagesPerSecond }), 'pro', 1, {}, { strategy: 'broadcast', computeSize: 'micro', blockOnProjection: false }).find((r) => r.gate === 'quota-headroom');
    // 7 batched messages/s × 40 = 280 of 500; without a measured rate, one per row: 840.
    expect(quota(7)?.status).toBe('pass');
    expect(quota(7)?.projection?.[0]?.messagesPerViewer).toBe(7);
    expect(quota(0)?.status).toBe('fail');
  });

  it('project both strategies onto the hosted project and warn, or block when configured, when the rolled-out one breaks the p95 target', () => {
    const quota = (strategy: 'postgres_changes' | 'broadcast', blockOnProjection: boolean) =>
      evaluateGates(metrics([probe()], { activeUsers: 20, eventsPerSecond: 5 }), 'pro', 1, {}, { strategy, computeSize: 'micro', blockOnProjection }).find((r) => r.gate === 'quota-headroom')!;
    // 20 viewers × 5 msgs/s: postgres_changes with RLS on micro has a published point (500 clients ≤ 6 msgs/s → p95 228 ms).
    const changes = quota('postgres_changes', false);
    expect(changes.projection?.map((p) => [p.strategy, p.p95Ms])).toEqual([
      ['postgres_changes', 228],
      ['broadcast', 49],
    ]);
    expect(changes.status).toBe('pass');
    expect(changes.detail).toContain('WARNING: the hosted projection for postgres_changes breaks the 100 ms p95 target');
    expect(quota('postgres_changes', true).status).toBe('fail');
    const broadcast = quota('broadcast', true);
    expect(broadcast.status).toBe('pass');
    expect(broadcast.detail).not.toContain('WARNING');
  });
});

