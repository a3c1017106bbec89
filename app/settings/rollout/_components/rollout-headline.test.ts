import { describe, expect, it } from 'vitest';
import { rollbackTargets, rolloutHeadline } from '@/app/settings/rollout/_components/rollout-headline';

describe('the settings headline', () => {
  it('shows a 0 % Realtime share while the kill switch is on, and the stage as held', () => {
    expect(rolloutHeadline({ killSwitch: true, percentage: 100, stage: '100' })).toMatchObject({ share: 0, stageState: 'held', note: expect.stringContaining('configured 100 %') });
    expect(rolloutHeadline({ killSwitch: false, percentage: 50, stage: '50' })).toEqual({ share: 50, note: null, stageState: 'active' });
  });
});

describe('rollback targets', () => {
  it('offers each target once: no two buttons that do the same', () => {
    expect(rollbackTargets('legacy-only')).toEqual([]);
    expect(rollbackTargets('shadow')).toEqual(['legacy-only']);
    expect(rollbackTargets('25')).toEqual(['shadow', 'legacy-only']);
    expect(rollbackTargets('decommissioned')).toEqual(['100', 'legacy-only']);
  });
});
