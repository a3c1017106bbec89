import { describe, expect, it } from 'vitest';
import { applyCommand } from '@/lib/rollout/commands';
import { DEFAULT_CONFIG } from '@/lib/rollout/config';

describe('rollout commands', () => {
  it('raises the high-water mark as the percentage grows and keeps it when it shrinks', () => {
    const at75 = applyCommand(DEFAULT_CONFIG, { type: 'set-stage', stage: '75' });
    const back = applyCommand(at75, { type: 'set-percentage', percentage: 30 });
    expect(back).toMatchObject({ percentage: 30, highWater: 75 });
  });

  it('empties the ratchet only on an explicit rollback', () => {
    const at75 = applyCommand(DEFAULT_CONFIG, { type: 'set-stage', stage: '75' });
    expect(applyCommand(at75, { type: 'rollback', toStage: '25' })).toMatchObject({ stage: '25', percentage: 25, highWater: 25 });
    expect(applyCommand(at75, { type: 'rollback', toStage: 'legacy-only' })).toMatchObject({ percentage: 0, highWater: 0 });
  });

  it('resets the exposed set when the bucket version is bumped', () => {
    const at50 = applyCommand(applyCommand(DEFAULT_CONFIG, { type: 'set-stage', stage: '75' }), { type: 'set-percentage', percentage: 50 });
    expect(applyCommand(at50, { type: 'bump-bucket-version' })).toMatchObject({ bucketVersion: 2, highWater: 50 });
  });

  it('adds, replaces and removes overrides and segments', () => {
    const segment = { id: 'ops', name: 'Ops', enabled: true, cohort: 'realtime' as const, rule: { emailDomains: [], roles: [], browsers: [], segments: ['ops'], userIds: [] } };
    let config = applyCommand(DEFAULT_CONFIG, { type: 'set-override', userId: 'u1', cohort: 'shadow' });
    config = applyCommand(config, { type: 'upsert-segment', segment });
    config = applyCommand(config, { type: 'upsert-segment', segment: { ...segment, cohort: 'shadow' } });
    expect(config.overrides).toEqual({ u1: 'shadow' });
    expect(config.segments).toEqual([{ ...segment, cohort: 'shadow' }]);
    config = applyCommand(applyCommand(config, { type: 'remove-override', userId: 'u1' }), { type: 'remove-segment', segmentId: 'ops' });
    expect(config.overrides).toEqual({});
    expect(config.segments).toEqual([]);
  });
});
