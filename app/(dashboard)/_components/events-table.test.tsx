import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { EventsTable } from '@/app/(dashboard)/_components/events-table';
import type { SystemEvent } from '@/lib/monitoring/model';

function systemEvent(message: string, cacheName: string | null = 'sessions'): SystemEvent {
  return { id: 1, eventId: '6f1c2d1e-8a4b-4c57-9f0e-3b1d2a4c5e6f', emittedAt: Date.UTC(2026, 10, 28), provenance: { transport: 'legacy', receivedAt: 0 }, stream: 'system_events', source: 'node-1', level: 'warn', kind: 'cache.note', cacheName, message, attributes: {} };
}

describe('EventsTable', () => {
  it('shows bidi controls in a message instead of obeying them, isolated from the row', () => {
    const html = renderToStaticMarkup(<EventsTable events={[systemEvent('invoice ready: \u202Efdp.exe', 'cache\u2067x')]} />);
    expect(html).toContain('<bdi>invoice ready: ⟨U+202E⟩fdp.exe</bdi>');
    expect(html).toContain('<bdi>cache⟨U+2067⟩x</bdi>');
    expect(html).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
  });

  it('shows ordinary messages as they are', () => {
    expect(renderToStaticMarkup(<EventsTable events={[systemEvent('evictions spiked', null)]} />)).toContain('<bdi>evictions spiked</bdi>');
  });
});
