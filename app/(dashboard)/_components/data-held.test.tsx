import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DataHeld, DataHeldTable } from '@/app/(dashboard)/_components/data-held';
import { idContinuity } from '@/lib/monitoring/id-continuity';

const rows = (...ids: number[]) => ids.map((id) => ({ id }));
const cells = (html: string) => [...html.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((match) => match[1]?.replace(/<[^>]+>/g, ''));

describe('DataHeld', () => {
  it('shows only the "Check continuity" button until a viewer opens it', () => {
    const html = renderToStaticMarkup(<DataHeld events={{ cache_metrics: [], system_events: [] }} />);
    expect(html).toContain('aria-expanded="false"');
    expect(html).toContain('Check continuity');
    expect(html).not.toContain('<table');
  });

  it('lists missing ids as runs and repeated ids with their count, per stream', () => {
    const html = renderToStaticMarkup(<DataHeldTable streams={{ cache_metrics: idContinuity(rows(1, 2, 4, 8, 9, 9)), system_events: idContinuity([]) }} />);
    expect(cells(html)).toEqual(['6', '1–9', '3, 5–7', '9 (2×)', 'Repeats', '0', 'none', 'none', 'none', 'Empty']);
  });

  it('calls a continuous stream continuous, and a gap a gap', () => {
    const html = renderToStaticMarkup(<DataHeldTable streams={{ cache_metrics: idContinuity(rows(10, 11, 12)), system_events: idContinuity(rows(1, 3)) }} />);
    expect(cells(html)).toEqual(['3', '10–12', 'none', 'none', 'Continuous', '2', '1–3', '2', 'none', 'Gaps']);
  });

  it('lists twenty runs and summarises the rest', () => {
    const everyOther = Array.from({ length: 26 }, (_, index) => 2 * index + 1);
    const [, , missing] = cells(renderToStaticMarkup(<DataHeldTable streams={{ cache_metrics: idContinuity(rows(...everyOther)), system_events: idContinuity([]) }} />));
    expect(missing).toBe(`${Array.from({ length: 20 }, (_, index) => 2 * index + 2).join(', ')} and 5 more (25 ids in all)`);
  });
});
