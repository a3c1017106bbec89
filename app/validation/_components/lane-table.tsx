import type { LaneSummary } from '@/lib/validation/engine/lane-comparison';
import { Badge } from '@/components/ui';

const ms = (value: number | null) => (value === null ? '–' : `${value.toFixed(1)} ms`);
const pct = (value: number | null) => (value === null ? '–' : `${value.toFixed(3)} %`);
const rate = (errors: number, deliveries: number) => (deliveries > 0 ? `${((errors / deliveries) * 100).toFixed(3)} %` : '–');

/** Legacy, postgres_changes and broadcast side by side: one column per lane, the probe's evidence first. */
export function LaneTable({ lanes }: { lanes: LaneSummary[] }) {
  const rows: Array<{ label: string; cell: (lane: LaneSummary) => string }> = [
    { label: 'Consistency (probe)', cell: (l) => `${pct(l.probe.consistency)} (n = ${l.probe.compared})` },
    { label: 'Consistency (browsers)', cell: (l) => `${pct(l.browsers.consistency)} (${l.browsers.users} user(s), n = ${l.browsers.compared})` },
    { label: 'Latency p50 (probe)', cell: (l) => ms(l.probe.p50Ms) },
    { label: 'Latency p99 (probe)', cell: (l) => ms(l.probe.p99Ms) },
    { label: 'Latency p99 (browsers)', cell: (l) => ms(l.browsers.p99Ms) },
    { label: 'Errors (probe)', cell: (l) => `${rate(l.probe.errors, l.probe.deliveries)} (${l.probe.errors} / ${l.probe.deliveries})` },
    { label: 'Msgs/s per viewer', cell: (l) => l.messagesPerViewer.toFixed(1) },
  ];
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-sm" aria-label="Lanes side by side">
        <thead>
          <tr className="text-left text-xs text-slate-500">
            <th scope="col" className="py-1 pr-3 font-medium">
              Lane
            </th>
            {lanes.map((lane) => (
              <th key={lane.lane} scope="col" className="py-1 pr-3 font-medium">
                {lane.lane} {lane.rolledOut ? <Badge tone="warn">rolled out</Badge> : null}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 tabular-nums dark:divide-slate-800">
          {rows.map((row) => (
            <tr key={row.label}>
              <th scope="row" className="py-1 pr-3 text-left text-xs font-medium text-slate-500">
                {row.label}
              </th>
              {lanes.map((lane) => (
                <td key={lane.lane} className="py-1 pr-3">
                  {row.cell(lane)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
