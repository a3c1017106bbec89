'use client';

import { memo, useMemo } from 'react';
import { TimeSeriesChart } from '@/components/charts/time-series-chart';
import { Card } from '@/components/ui';
import type { CacheSeries } from '@/lib/dashboard/cache-series';

const bytes = (n: number) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(0)} KiB` : `${n} B`);

function Kpi({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="min-w-0">
      <div className="truncate text-xs text-slate-500 dark:text-slate-400">{label}</div>
      <div className="text-lg font-semibold tabular-nums" title={hint}>
        {value}
      </div>
    </div>
  );
}

/** One cache: KPI tiles and its three live charts. */
export const CachePanel = memo(function CachePanel({ series }: { series: CacheSeries }) {
  const { latest } = series;
  const hit = useMemo(() => [{ label: 'hit ratio %', color: '#2563eb', values: series.hitRatio.map((r) => r * 100) }], [series]);
  const ops = useMemo(() => [{ label: 'ops/s', color: '#7c3aed', values: series.opsPerSec }], [series]);
  const p99 = useMemo(() => [{ label: 'p99 ms', color: '#dc2626', values: series.p99LatencyMs }], [series]);
  return (
    <Card title={<span className="font-mono">{series.cacheName}</span>} className="min-w-0">
      <div className="mb-3 grid grid-cols-3 gap-3 sm:grid-cols-6" aria-label={`${series.cacheName} KPIs`}>
        <Kpi label="Hit ratio" value={latest ? `${(latest.hitRatio * 100).toFixed(1)} %` : '–'} />
        <Kpi label="Ops/s" value={latest ? latest.opsPerSec.toFixed(0) : '–'} />
        <Kpi label="p99 get" value={latest ? `${latest.p99LatencyMs.toFixed(1)} ms` : '–'} hint={latest ? `p50 ${latest.p50LatencyMs.toFixed(2)} ms` : undefined} />
        <Kpi label="Keys" value={latest ? latest.keys.toLocaleString() : '–'} />
        <Kpi label="Memory" value={latest ? bytes(latest.memoryBytes) : '–'} />
        <Kpi label="Evictions/s" value={latest ? latest.evictionsPerSec.toFixed(0) : '–'} />
      </div>
      <div className="grid gap-2 md:grid-cols-3">
        <TimeSeriesChart ariaLabel={`${series.cacheName} hit ratio`} times={series.times} series={hit} height={130} yRange={[null, 100]} format={(v) => v.toFixed(0)} />
        <TimeSeriesChart ariaLabel={`${series.cacheName} operations per second`} times={series.times} series={ops} height={130} format={(v) => v.toFixed(0)} />
        <TimeSeriesChart ariaLabel={`${series.cacheName} p99 latency`} times={series.times} series={p99} height={130} format={(v) => v.toFixed(0)} />
      </div>
    </Card>
  );
});
