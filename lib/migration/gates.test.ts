import { describe, expect, it } from 'vitest';
import { evaluateGates, overall, type StageMetrics } from '@/lib/migration/gates';

const healthy: StageMetrics = {
  compared: 12_000,
  discrepancies: 0,
  baselineCompared: 12_000,
  baselineDiscrepancies: 0,
  realtimeP95Ms: 18,
  realtimeLatencySamples: 12_000,
  realtimeErrors: 1,
  realtimeDeliveries: 12_000,
  activeUsers: 100,
  eventsPerSecond: 2,
};
const gate = (metrics: Partial<StageMetrics>, name: string) => evaluateGates({ ...healthy, ...metrics }, 'pro', 1).find((r) => r.gate === name);

describe('migration gates', () => {
  it('pass when every measure is inside its target', () => {
    expect(overall(evaluateGates(healthy, 'pro', 1))).toBe('pass');
  });

  it('wait — never pass — with too little data', () => {
    expect(gate({ compared: 2_999, discrepancies: 0 }, 'consistency')?.status).toBe('wait');
    expect(gate({ realtimeLatencySamples: 10 }, 'latency')?.status).toBe('wait');
    expect(gate({ realtimeDeliveries: 500 }, 'error-rate')?.status).toBe('wait');
    expect(overall(evaluateGates({ ...healthy, compared: 100 }, 'pro', 1))).toBe('wait');
  });

  it('pass consistency at exactly 3,000 clean events (rule of three: < 0.1 %)', () => {
    expect(gate({ compared: 3_000, discrepancies: 0 }, 'consistency')?.status).toBe('pass');
  });

  it('fail consistency at 1 % loss, and call it severe', () => {
    const result = gate({ compared: 10_000, discrepancies: 100 }, 'consistency');
    expect(result).toMatchObject({ status: 'fail', severe: true });
  });

  it('fail but not severely at 0.5 % loss', () => {
    expect(gate({ compared: 10_000, discrepancies: 50 }, 'consistency')).toMatchObject({ status: 'fail', severe: false });
  });

  it('forgive discrepancies the legacy feed also shows against itself', () => {
    expect(gate({ compared: 20_000, discrepancies: 20, baselineCompared: 20_000, baselineDiscrepancies: 20 }, 'consistency')?.status).toBe('pass');
    expect(gate({ compared: 20_000, discrepancies: 20, baselineCompared: 20_000, baselineDiscrepancies: 0 }, 'consistency')?.status).toBe('fail');
  });

  it('fail latency at p95 ≥ 100 ms and errors at ≥ 0.1 %', () => {
    expect(gate({ realtimeP95Ms: 100 }, 'latency')?.status).toBe('fail');
    expect(gate({ realtimeErrors: 12, realtimeDeliveries: 12_000 }, 'error-rate')?.status).toBe('fail');
  });

  it('refuse a next stage that would use more than 80 % of a plan quota', () => {
    // Pro: 500 connections, 500 messages/s. 400 users × 0.5 events/s = 80 % and 40 %.
    expect(gate({ activeUsers: 400, eventsPerSecond: 0.5 }, 'quota-headroom')?.status).toBe('pass');
    expect(gate({ activeUsers: 401, eventsPerSecond: 0.5 }, 'quota-headroom')?.status).toBe('fail');
    // 200 users × 2 events/s = 400 messages/s: 80 % of 500 passes; 3 events/s does not.
    expect(gate({ activeUsers: 200, eventsPerSecond: 2 }, 'quota-headroom')?.status).toBe('pass');
    expect(gate({ activeUsers: 200, eventsPerSecond: 3 }, 'quota-headroom')?.status).toBe('fail');
    expect(evaluateGates({ ...healthy, activeUsers: 300, eventsPerSecond: 2 }, 'free', 1).find((r) => r.gate === 'quota-headroom')?.status).toBe('fail');
  });
});
