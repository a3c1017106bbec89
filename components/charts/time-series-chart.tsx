'use client';

import { useEffect, useRef } from 'react';
import type uPlot from 'uplot';
import type { AlignedData, Options } from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { timeAxis, xWindow, yTickLabels } from '@/lib/dashboard/axis-labels';

export interface Series {
  label: string;
  color: string;
  /** Values aligned with `times`; null leaves a gap. */
  values: Array<number | null>;
  dashed?: boolean;
}

// uPlot (~22 KB gzip) is imported when the first chart mounts, not with the page: the charts
// appear after the range's data anyway, and the page's first load stays small.
let uPlotModule: Promise<typeof uPlot> | undefined;
const loadUPlot = () =>
  (uPlotModule ??= import('uplot').then(
    (module) => module.default,
    (error: unknown) => {
      uPlotModule = undefined;
      throw error;
    },
  ));

const aligned = (times: number[], series: Series[]) => [times.map((t) => t / 1000), ...series.map((s) => s.values)] as unknown as AlignedData;

/**
 * A streaming-friendly line chart (uPlot: canvas, loaded lazily, updates via setData without
 * re-creating the chart). Times in ms since epoch. The x axis spans `window` (the range
 * shown) when given; labels come from lib/dashboard/axis-labels (distinct y ticks, one-line
 * time ticks spaced to fit). Resizes with its container.
 */
export function TimeSeriesChart({
  times,
  series,
  height = 160,
  yLabel,
  yRange,
  unit = '',
  window,
  ariaLabel,
}: {
  times: number[];
  series: Series[];
  height?: number;
  yLabel?: string;
  yRange?: [number | null, number | null];
  /** Appended to y tick labels (e.g. " %"). */
  unit?: string;
  /** The time window to span (ms); without it, the data's extent (a minute around one sample). */
  window?: { from: number; to: number };
  ariaLabel: string;
}) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  // Read by uPlot's callbacks at draw time, so a new window or data needs no re-creation.
  const view = useRef<{ times: number[]; window?: { from: number; to: number }; unit: string; data: AlignedData | null }>({ times, window, unit, data: null });
  const seriesKey = series.map((s) => `${s.label}:${s.color}:${s.dashed ? 1 : 0}`).join('|');

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const dark = document.documentElement.classList.contains('dark');
    const axis = { stroke: dark ? '#94a3b8' : '#64748b', grid: { stroke: dark ? '#1e293b' : '#e2e8f0', width: 1 }, ticks: { show: false } };
    const span = (u: uPlot) => ((u.scales.x?.max ?? 0) - (u.scales.x?.min ?? 0)) * 1000;
    const options: Options = {
      width: element.clientWidth || 300,
      height,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true, range: (_u, min, max) => xWindow(view.current.times, view.current.window) ?? [min, max] },
        y: yRange ? { range: (_u, min, max) => [yRange[0] ?? min, yRange[1] ?? max] } : {},
      },
      axes: [
        { ...axis, space: (u) => timeAxis(span(u)).space, values: (u, splits) => splits.map((s) => timeAxis(span(u)).format(s * 1000)) },
        { ...axis, label: yLabel, size: 60, values: (_u, splits, _axis, _space, incr) => yTickLabels(splits, incr, view.current.unit) },
      ],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, dash: s.dashed ? [4, 4] : undefined, points: { show: false }, spanGaps: false }))],
    };
    let cancelled = false;
    let observer: ResizeObserver | undefined;
    loadUPlot().then(
      (UPlot) => {
        if (cancelled) return;
        const chart = new UPlot(options, view.current.data ?? aligned([], series), element);
        plot.current = chart;
        observer = new ResizeObserver(() => chart.setSize({ width: element.clientWidth, height }));
        observer.observe(element);
      },
      (error: unknown) => console.error('charts: uPlot could not be loaded', error),
    );
    return () => {
      cancelled = true;
      observer?.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Re-create only when the set of series changes; data flows through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [seriesKey, height, yLabel]);

  useEffect(() => {
    const data = aligned(times, series);
    view.current = { times, window, unit, data };
    plot.current?.setData(data);
  }, [times, series, window, unit]);

  return <div ref={container} role="img" aria-label={ariaLabel} className="w-full min-w-0" />;
}
