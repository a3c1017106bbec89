'use client';

import { useMemo, useState } from 'react';
import { TimeSeriesChart } from '@/components/charts/time-series-chart';
import { DiscrepancyLog } from '@/app/validation/_components/discrepancy-log';
import { GateTable } from '@/components/gate-table';
import { LaneTable } from '@/app/validation/_components/lane-table';
import { OversightPanel } from '@/app/validation/_components/oversight-panel';
import { Badge, Card, inputClass } from '@/components/ui';
import { reportUrl, useValidationReport, type ReportFilters } from '@/lib/swr/use-validation-report';
import { parseDuration } from '@/lib/validation/engine/report-query';

const fmt = (value: number | null, suffix = '', digits = 1) => (value === null ? '–' : `${value.toFixed(digits)}${suffix}`);

function Tile({ label, value, sub }: { label: string; value: string; sub?: string }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900">
      <div className="text-xs text-slate-500">{label}</div>
      <div className="text-xl font-semibold tabular-nums">{value}</div>
      {sub ? <div className="text-xs text-slate-500">{sub}</div> : null}
    </div>
  );
}

// eslint-disable-next-line max-lines-per-function -- one page section's JSX tree, read top to bottom; its state and actions are in hooks and lib/rollout.
export function ValidationReportView() {
  const [filters, setFilters] = useState<ReportFilters>({ since: '60m', cohort: '', browser: '' });
  const { data: report, error, mutate } = useValidationReport(filters);
  const times = useMemo(() => report?.minutes.map((m) => Date.parse(m.minute)) ?? [], [report]);
  // The charts span the window asked for, so one analysed minute is a point in it, not a two-year axis.
  const chartWindow = useMemo(() => (report ? { from: Date.now() - parseDuration(filters.since), to: Date.now() } : undefined), [report, filters.since]);
  const consistency = useMemo(
    () => [
      { label: 'probe %', color: '#2563eb', values: report?.minutes.map((m) => m.probe.consistency) ?? [] },
      { label: 'browsers %', color: '#7c3aed', values: report?.minutes.map((m) => m.browsers.consistency) ?? [], dashed: true },
    ],
    [report],
  );
  const latency = useMemo(
    () => [
      { label: 'Realtime p95', color: '#059669', values: report?.minutes.map((m) => m.realtimeP95) ?? [] },
      { label: 'Legacy p95', color: '#d97706', values: report?.minutes.map((m) => m.legacyP95) ?? [], dashed: true },
    ],
    [report],
  );

  const select = (key: keyof ReportFilters, label: string, options: string[]) => (
    <label className="text-xs">
      <span className="text-slate-500">{label}</span>
      <select value={filters[key]} onChange={(event) => setFilters({ ...filters, [key]: event.target.value })} className={`ml-1 ${inputClass}`}>
        {options.map((option) => (
          <option key={option} value={option}>
            {option || 'all'}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        {select('since', 'Window', ['15m', '60m', '6h', '24h'])}
        {select('cohort', 'Cohort', ['', 'shadow', 'realtime', 'probe'])}
        {select('browser', 'Browser', ['', 'chrome', 'firefox', 'safari', 'edge', 'node', 'other'])}
        <span className="ml-auto flex gap-3 text-sm">
          <a className="text-brand-600 underline" href={reportUrl(filters, 'json')} download>
            Export JSON
          </a>
          <a className="text-brand-600 underline" href={reportUrl(filters, 'csv')} download>
            Export CSV
          </a>
        </span>
      </div>
      {error ? <p className="text-sm text-red-600">Could not load the report: {error instanceof Error ? error.message : String(error)}</p> : null}
      {!report ? <p className="text-sm text-slate-500">Loading…</p> : null}
      {report ? (
        <>
          <div className="grid grid-cols-2 gap-3 md:grid-cols-6">
            <Tile label="Verdict" value={report.verdict === 'wait' ? 'waiting' : report.verdict} sub={`stage ${report.stage}`} />
            <Tile label="Consistency" value={fmt(report.totals.probe.consistency, ' %', 3)} sub={`n = ${report.totals.probe.compared}`} />
            <Tile
              label="Browsers"
              value={fmt(report.totals.browsers.consistency, ' %', 3)}
              sub={`${report.totals.browsers.users} user(s) · ${report.totals.browsers.compared} compared`}
            />
            <Tile label="Realtime p95" value={fmt(report.totals.probe.realtimeP95Ms, ' ms')} sub={`legacy ${fmt(report.totals.probe.legacyP95Ms, ' ms')} · browsers ${fmt(report.totals.browsers.realtimeP95Ms, ' ms')}`} />
            <Tile
              label="Realtime errors"
              value={report.totals.probe.deliveries > 0 ? `${((report.totals.probe.errors / report.totals.probe.deliveries) * 100).toFixed(3)} %` : '–'}
              sub={`probe ${report.totals.probe.errors} / ${report.totals.probe.deliveries} · browsers ${report.totals.browsers.errors} / ${report.totals.browsers.deliveries}`}
            />
            <Tile
              label="Noise baseline"
              value={`${report.totals.probe.baselineDiscrepancies} / ${report.totals.probe.baselineCompared}`}
              sub={`legacy vs legacy · recovered ${report.totals.recovered.replay + report.totals.recovered.history} (not live)`}
            />
          </div>
          <Card title="Legacy vs postgres_changes vs broadcast">
            <LaneTable lanes={report.lanes} />
            <p className="mt-2 text-xs text-slate-500">Each Realtime strategy is judged on its own lane against the stored rows; the gates, tiles and charts judge {report.strategy}, the strategy stage {report.stage} rolls out.</p>
          </Card>
          <Card title="Gates" action={<Badge tone={report.verdict === 'pass' ? 'good' : report.verdict === 'fail' ? 'bad' : 'warn'}>{report.verdict === 'wait' ? 'waiting for data' : report.verdict}</Badge>}>
            <GateTable gates={report.gates} />
          </Card>
          <div className="grid gap-4 md:grid-cols-2">
            <Card title="Consistency per minute">
              {times.length === 0 ? <p className="text-sm text-slate-500">No analysed windows yet.</p> : <TimeSeriesChart ariaLabel="Consistency per minute" times={times} series={consistency} yRange={[null, 100]} unit=" %" window={chartWindow} />}
            </Card>
            <Card title="Delivery latency p95 (ms)">
              {times.length === 0 ? <p className="text-sm text-slate-500">No analysed windows yet.</p> : <TimeSeriesChart ariaLabel="Latency p95 per minute" times={times} series={latency} window={chartWindow} />}
            </Card>
          </div>
          {report.oversight ? <OversightPanel oversight={report.oversight} onChange={() => void mutate()} /> : null}
          <Card title={`Discrepancy log (${report.discrepancies.length})`}>
            <DiscrepancyLog rows={report.discrepancies} />
          </Card>
        </>
      ) : null}
    </div>
  );
}
