import { describe, expect, it } from 'vitest';
import { stackSettings } from '../../env.js';
import { describeProfile, profileLimits } from './limits.js';

describe('the Realtime limit profile of npm run dev / stack', () => {
  it('stays the generous local profile unless REALTIME_PLAN names a plan', () => {
    expect(stackSettings({}).REALTIME_PLAN).toBe('local');
    expect(profileLimits(stackSettings({}).REALTIME_PLAN).maxEventsPerSecond).toBeGreaterThanOrEqual(1_000_000);
    const free = profileLimits(stackSettings({ REALTIME_PLAN: 'free' }).REALTIME_PLAN);
    expect(free).toMatchObject({ maxConcurrentUsers: 200, maxEventsPerSecond: 100, maxJoinsPerSecond: 100, maxPresenceEventsPerSecond: 20, maxPayloadSizeKb: 256 });
    expect(profileLimits('team')).toMatchObject({ maxConcurrentUsers: 10_000, maxEventsPerSecond: 2_500, maxPayloadSizeKb: 3_000 });
  });

  it('refuses an unknown plan, naming the key', () => {
    expect(() => stackSettings({ REALTIME_PLAN: 'enterprise' })).toThrow(/REALTIME_PLAN/);
  });

  it('prints which profile is in use with its headline numbers', () => {
    expect(describeProfile('pro')).toBe("pro (Supabase's published limits): 500 connections, 500 msgs/s, 500 joins/s, 100 channels/connection, 50 presence msgs/s, 3,000 KB payload");
    expect(describeProfile('local')).toMatch(/^local \(generous/);
  });
});
