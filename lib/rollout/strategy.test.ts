import { describe, expect, it } from 'vitest';
import { applyCommand, rolloutCommandSchema } from '@/lib/rollout/commands';
import { DEFAULT_CONFIG, MAX_OVERRIDES, rolloutConfigSchema } from '@/lib/rollout/config';
import { evaluate, type RolloutSubject } from '@/lib/rollout/evaluate';
import { feedPlan } from '@/lib/rollout/feed-plan';
import { realtimeStrategy, stageStrategy } from '@/lib/rollout/strategy';

const viewer: RolloutSubject = { userId: 'u1', email: 'v@ops.example.com', role: 'viewer', segment: null, browser: 'chrome' };

describe('Realtime strategy as a rollout setting', () => {
  it('defaults to postgres_changes, and a stored config without the new fields still parses', () => {
    const { strategyByStage: _s, strategyOverrides: _o, ...older } = DEFAULT_CONFIG;
    const parsed = rolloutConfigSchema.parse(older);
    expect(parsed).toMatchObject({ strategyByStage: {}, strategyOverrides: {} });
    expect(realtimeStrategy(parsed, viewer)).toEqual({ strategy: 'postgres_changes', reason: 'stage' });
  });

  it('follows the current stage: set per stage, judged per stage', () => {
    let config = applyCommand(DEFAULT_CONFIG, { type: 'set-stage', stage: '25' });
    config = applyCommand(config, { type: 'set-stage-strategy', stage: '50', strategy: 'broadcast' });
    expect(stageStrategy(config)).toBe('postgres_changes');
    config = applyCommand(config, { type: 'set-stage', stage: '50' });
    expect(stageStrategy(config)).toBe('broadcast');
    expect(realtimeStrategy(config, viewer)).toEqual({ strategy: 'broadcast', reason: 'stage' });
  });

  it('lets a per-user override beat a segment and a segment beat the stage', () => {
    const segment = { id: 'ops', name: 'Ops', enabled: true, cohort: 'realtime' as const, strategy: 'broadcast' as const, rule: { emailDomains: ['ops.example.com'], roles: [], browsers: [], segments: [], userIds: [] } };
    let config = applyCommand(DEFAULT_CONFIG, { type: 'upsert-segment', segment });
    expect(realtimeStrategy(config, viewer)).toEqual({ strategy: 'broadcast', reason: 'segment' });
    expect(realtimeStrategy(config, { ...viewer, email: 'v@elsewhere.example.com' })).toEqual({ strategy: 'postgres_changes', reason: 'stage' });
    config = applyCommand(config, { type: 'set-strategy-override', userId: 'u1', strategy: 'postgres_changes' });
    expect(realtimeStrategy(config, viewer)).toEqual({ strategy: 'postgres_changes', reason: 'override' });
    config = applyCommand(config, { type: 'remove-strategy-override', userId: 'u1' });
    expect(realtimeStrategy(config, viewer).reason).toBe('segment');
  });

  it('reads only own override entries: a user id like constructor or toString names nobody (review L6)', () => {
    const config = rolloutConfigSchema.parse({ ...DEFAULT_CONFIG, strategyByStage: { 'legacy-only': 'broadcast' } });
    for (const userId of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      expect(realtimeStrategy(config, { ...viewer, userId })).toEqual({ strategy: 'broadcast', reason: 'stage' });
      expect(evaluate(config, { ...viewer, userId }).reason).toEqual({ kind: 'stage', stage: 'legacy-only' });
    }
  });

  it('refuses __proto__ as an override key and bounds the number of overrides', () => {
    expect(rolloutCommandSchema.safeParse({ type: 'set-strategy-override', userId: '__proto__', strategy: 'broadcast' }).success).toBe(false);
    expect(rolloutCommandSchema.safeParse({ type: 'set-override', userId: '__proto__', cohort: 'realtime' }).success).toBe(false);
    const many = Object.fromEntries(Array.from({ length: MAX_OVERRIDES + 1 }, (_, i) => [`user-${i}`, 'broadcast']));
    expect(rolloutConfigSchema.safeParse({ ...DEFAULT_CONFIG, strategyOverrides: many }).success).toBe(false);
    expect(rolloutConfigSchema.safeParse({ ...DEFAULT_CONFIG, strategyOverrides: { 'user-1': 'broadcast' } }).success).toBe(true);
  });

  it('validates the commands at the boundary', () => {
    expect(rolloutCommandSchema.safeParse({ type: 'set-stage-strategy', stage: '25', strategy: 'broadcast' }).success).toBe(true);
    expect(rolloutCommandSchema.safeParse({ type: 'set-stage-strategy', stage: '25', strategy: 'websocket' }).success).toBe(false);
    expect(rolloutCommandSchema.safeParse({ type: 'set-strategy-override', userId: '', strategy: 'broadcast' }).success).toBe(false);
  });

  it('carries the strategy into the feed plan wherever Realtime serves, and not into a legacy-only plan', () => {
    expect(feedPlan('realtime', true, 'broadcast')).toEqual({ primary: 'realtime', shadow: 'legacy', fallback: 'legacy', realtimeStrategy: 'broadcast' });
    expect(feedPlan('shadow', true, 'broadcast')).toEqual({ primary: 'legacy', shadow: 'realtime', fallback: null, realtimeStrategy: 'broadcast' });
    expect(feedPlan('legacy', true, 'broadcast')).toEqual({ primary: 'legacy', shadow: null, fallback: null });
    expect(feedPlan('realtime', true)).toEqual({ primary: 'realtime', shadow: 'legacy', fallback: 'legacy' });
  });
});
