import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { CachePanel } from '@/app/(dashboard)/_components/cache-panel';
import type { CacheSeries } from '@/lib/dashboard/cache-series';

const NOW = Date.parse('2026-12-02T20:08:30Z');
const series: CacheSeries = {
  cacheName: 'sessions',
  times: [NOW - 2_000, NOW - 1_000],
  hitRatio: [0.9, 0.91],
  opsPerSec: [120, 130],
  p99LatencyMs: [2, 3],
  latest: { hitRatio: 0.91, opsPerSec: 130, p99LatencyMs: 3, p50LatencyMs: 0.5, keys: 1234, memoryBytes: 2 << 20, evictionsPerSec: 4, at: NOW - 1_000 },
};
const window = { from: NOW - 900_000, to: NOW };

/** The figures (KPI labels) and the chart of each column, in order. */
function columns(html: string) {
  return [...html.matchAll(/<figure[^>]*>(.*?)<\/figure>/g)].map((match) => ({
    kpis: [...(match[1] ?? '').matchAll(/<div class="truncate[^"]*">([^<]+)<\/div>/g)].map((kpi) => kpi[1]),
    chart: /role="img" aria-label="([^"]+)"/.exec(match[1] ?? '')?.[1],
  }));
}

describe('CachePanel', () => {
  it('puts each chart under its own figures, never under the wrong column', () => {
    const html = renderToStaticMarkup(<CachePanel series={series} window={window} stale={false} now={NOW} />);
    expect(columns(html)).toEqual([
      { kpis: ['Hit ratio'], chart: 'sessions hit ratio' },
      { kpis: ['Ops/s', 'Evictions/s'], chart: 'sessions operations per second' },
      { kpis: ['p99 get', 'p50 get'], chart: 'sessions p99 latency' },
    ]);
    // Gauges sit in the header, not in a chart column.
    expect(html).toMatch(/Keys <strong[^>]*>1,234<\/strong>/);
    expect(html).toMatch(/Memory <strong[^>]*>2.0 MiB<\/strong>/);
  });

  it('marks a cache without new data as stale, with the age of its last values', () => {
    const fresh = renderToStaticMarkup(<CachePanel series={series} window={window} stale={false} now={NOW} />);
    expect(fresh).not.toContain('stale ·');
    const stale = renderToStaticMarkup(<CachePanel series={series} window={window} stale now={NOW + 89_000} />);
    expect(stale).toContain('stale · last data 90 s ago');
    expect(stale).toContain('91.0 %');
  });
});
