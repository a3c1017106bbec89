'use client';

import { memo, useMemo, type ReactNode } from 'react';
import { TimeSeriesChart } from '@/components/charts/time-series-chart';
import { Badge, Card } from '@/components/ui';
import type { CacheSeries } from '@/lib/dashboard/cache-series';

const bytes = (n: number) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(0)} KiB` : `${n} B`);
const show = (value: number | null | undefined, format: (v: number) => string) => (value === null || value === undefined ? '–' : format(value));

function age(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

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

/** One chart with the figures it plots above it, so a figure and its chart always share a column. */
function Metric({ label, kpis, children }: { label: string; kpis: ReactNode; children: ReactNode }) {
  return (
    <figure className="min-w-0" aria-label={label}>
      <div className="mb-1 flex flex-wrap gap-x-6 gap-y-1">{kpis}</div>
      {children}
    </figure>
  );
}

/**
 * One cache: three columns, each a chart under its own figures (hit ratio; ops/s and
 * evictions/s; p99 and p50), the gauges (keys, memory) in the header, and a "stale" mark
 * with the data's age once the cache has sent nothing new for a while.
 */
export const CachePanel = memo(function CachePanel({ series, window, stale, now }: { series: CacheSeries; window: { from: number; to: number }; stale: boolean; now: number }) {
  const { latest } = series;
  const hit = useMemo(() => [{ label: 'hit ratio %', color: '#2563eb', values: series.hitRatio.map((r) => (r === null ? null : r * 100)) }], [series]);
  const ops = useMemo(() => [{ label: 'ops/s', color: '#7c3aed', values: series.opsPerSec }], [series]);
  const p99 = useMemo(() => [{ label: 'p99 ms', color: '#dc2626', values: series.p99LatencyMs }], [series]);
  const title = (
    <span className="flex flex-wrap items-center gap-2">
      <span className="font-mono">{series.cacheName}</span>
      {stale ? (
        <Badge tone="warn" title="No new metrics from this cache; the figures are its last values.">
          stale · last data {latest ? `${age(now - latest.at)} ago` : 'none'}
        </Badge>
      ) : null}
    </span>
  );
  const gauges = (
    <span className="flex gap-4 text-xs text-slate-500 tabular-nums dark:text-slate-400">
      <span>
        Keys <strong className="text-slate-800 dark:text-slate-100">{show(latest?.keys, (v) => v.toLocaleString())}</strong>
      </span>
      <span>
        Memory <strong className="text-slate-800 dark:text-slate-100">{show(latest?.memoryBytes, bytes)}</strong>
      </span>
    </span>
  );
  return (
    <Card title={title} action={gauges} className={`min-w-0 ${stale ? 'opacity-75' : ''}`}>
      <div className="grid gap-4 md:grid-cols-3" aria-label={`${series.cacheName} KPIs`} data-stale={stale}>
        <Metric label={`${series.cacheName} hit ratio`} kpis={<Kpi label="Hit ratio" value={show(latest?.hitRatio, (v) => `${(v * 100).toFixed(1)} %`)} />}>
          <TimeSeriesChart ariaLabel={`${series.cacheName} hit ratio`} times={series.times} series={hit} height={130} yRange={[null, 100]} window={window} />
        </Metric>
        <Metric
          label={`${series.cacheName} throughput`}
          kpis={
            <>
              <Kpi label="Ops/s" value={show(latest?.opsPerSec, (v) => v.toFixed(0))} />
              <Kpi label="Evictions/s" value={show(latest?.evictionsPerSec, (v) => v.toFixed(0))} />
            </>
          }
        >
          <TimeSeriesChart ariaLabel={`${series.cacheName} operations per second`} times={series.times} series={ops} height={130} window={window} />
        </Metric>
        <Metric
          label={`${series.cacheName} latency`}
          kpis={
            <>
              <Kpi label="p99 get" value={show(latest?.p99LatencyMs, (v) => `${v.toFixed(1)} ms`)} />
              <Kpi label="p50 get" value={show(latest?.p50LatencyMs, (v) => `${v.toFixed(2)} ms`)} />
            </>
          }
        >
          <TimeSeriesChart ariaLabel={`${series.cacheName} p99 latency`} times={series.times} series={p99} height={130} window={window} />
        </Metric>
      </div>
    </Card>
  );
});
