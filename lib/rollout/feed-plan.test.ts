import { describe, expect, it } from 'vitest';
import { feedPlan } from '@/lib/rollout/feed-plan';
import { COHORTS } from '@/lib/rollout/config';

describe('feed plan', () => {
  it('renders legacy for the legacy cohort, with nothing compared and no fallback', () => {
    expect(feedPlan('legacy', true)).toEqual({ primary: 'legacy', shadow: null, fallback: null });
  });

  it('renders legacy for the shadow cohort and compares Realtime beside it', () => {
    expect(feedPlan('shadow', true)).toEqual({ primary: 'legacy', shadow: 'realtime', fallback: null });
  });

  it('renders Realtime for the realtime cohort, compared with and falling back to legacy while it exists', () => {
    expect(feedPlan('realtime', true)).toEqual({ primary: 'realtime', shadow: 'legacy', fallback: 'legacy' });
  });

  it('puts every cohort on Realtime alone once the legacy feed is switched off', () => {
    for (const cohort of COHORTS) expect(feedPlan(cohort, false)).toEqual({ primary: 'realtime', shadow: null, fallback: null });
  });

  it('never pairs a transport with itself', () => {
    for (const cohort of COHORTS) {
      for (const legacyAvailable of [true, false]) {
        const plan = feedPlan(cohort, legacyAvailable);
        expect([plan.shadow, plan.fallback]).not.toContain(plan.primary);
      }
    }
  });
});
