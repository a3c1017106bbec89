import { describe, expect, it } from 'vitest';
import { auditChanges } from '@/lib/rollout/audit-changes';
import { DEFAULT_CONFIG } from '@/lib/rollout/config';

const before = { ...DEFAULT_CONFIG, updatedAt: '2026-12-01T00:00:00Z', updatedBy: 'a@x.local' };
const emails: Record<string, string> = { 'user-1': 'viewer@switchyard.local' };
const name = (id: string) => emails[id] ?? id;

describe('auditChanges', () => {
  it('lists each changed setting before → after, and nothing for bookkeeping', () => {
    const after = { ...before, version: 2, stage: '25', percentage: 25, highWater: 25, updatedAt: '2026-12-02T00:00:00Z', updatedBy: 'b@x.local' };
    expect(auditChanges(before, after, name)).toEqual([
      { field: 'stage', before: 'legacy-only', after: '25' },
      { field: 'percentage', before: '0', after: '25' },
      { field: 'highWater', before: '0', after: '25' },
    ]);
  });

  it('names users in overrides and segments by email, per user and per segment', () => {
    const segment = { id: 'beta', name: 'Beta', enabled: true, cohort: 'realtime', rule: { emailDomains: [], roles: [], browsers: [], segments: [], userIds: ['user-1', 'user-2'] } };
    const after = { ...before, killSwitch: true, overrides: { 'user-1': 'realtime' }, segments: [segment] };
    expect(auditChanges(before, after, name)).toEqual([
      { field: 'killSwitch', before: 'false', after: 'true' },
      { field: 'override viewer@switchyard.local', before: '–', after: 'realtime' },
      { field: 'segment beta', before: '–', after: 'Beta → realtime (users viewer@switchyard.local, user-2)' },
    ]);
  });

  it('shows every setting of the first config as new, and settings it does not know yet', () => {
    const changes = auditChanges(null, { ...before, transportStrategy: 'broadcast' }, name);
    expect(changes).toContainEqual({ field: 'stage', before: '–', after: 'legacy-only' });
    expect(changes).toContainEqual({ field: 'transportStrategy', before: '–', after: 'broadcast' });
    expect(changes.map((c) => c.field)).not.toContain('updatedAt');
  });
});
