import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '@/app/settings/rollout/_components/audit-log';

describe('AuditLog', () => {
  it('shows who by email and each change before → after', () => {
    const html = renderToStaticMarkup(
      <AuditLog
        entries={[
          {
            id: 1, at: '2026-12-02T01:00:00Z', actorEmail: 'admin@switchyard.local', action: 'override ops@switchyard.local → realtime', reason: 'try it', automatic: false, fromVersion: 1, toVersion: 2,
            changes: [{ field: 'override ops@switchyard.local', before: '–', after: 'realtime' }, { field: 'stage', before: 'shadow', after: '25' }],
          },
        ]}
      />,
    );
    const text = html.replace(/<[^>]+>/g, '');
    expect(text).toContain('admin@switchyard.local');
    expect(text).toContain('override ops@switchyard.local: – → realtime');
    expect(text).toContain('stage: shadow → 25');
    expect(text).toContain('v1 → v2');
  });
});
