import type { GateResult } from '@/lib/validation/engine/gates';
import { Badge, type Tone } from '@/components/ui';

const TONE: Record<GateResult['status'], Tone> = { pass: 'good', fail: 'bad', wait: 'warn', inconclusive: 'warn' };
const LABEL: Record<GateResult['status'], string> = { pass: 'pass', fail: 'fail', wait: 'waiting for data', inconclusive: 'inconclusive' };

/** What a gate rests on: the trusted probe, and the browsers when enough users vote. */
function Evidence({ evidence }: { evidence: NonNullable<GateResult['evidence']> }) {
  const { probe, browsers } = evidence;
  return (
    <div className="mt-0.5 text-xs text-slate-500">
      probe: {LABEL[probe.status]}
      {browsers ? ` · browsers: ${browsers.status === 'wait' && browsers.users < 4 ? `${browsers.users} user(s), too few to vote` : `${LABEL[browsers.status]}, ${browsers.users} users (largest share ${(browsers.largestShare * 100).toFixed(0)} %)`}` : ' · browsers: shown, not gated'}
    </div>
  );
}

/** The quota gate's hosted projection: each strategy's message economy and published p95 at the next stage. */
function Projection({ projection }: { projection: NonNullable<GateResult['projection']> }) {
  return (
    <table className="mt-1 text-xs text-slate-500" aria-label="Hosted projection per strategy">
      <thead>
        <tr>
          <th className="pr-2 font-normal">strategy</th>
          <th className="pr-2 font-normal">msgs/s per viewer</th>
          <th className="pr-2 font-normal">msgs/s in all</th>
          <th className="font-normal">hosted p95</th>
        </tr>
      </thead>
      <tbody>
        {projection.map((row, index) => (
          <tr key={row.strategy} title={row.basis}>
            <td className="pr-2">
              {row.strategy}
              {index === 0 ? ' (rolled out)' : ''}
            </td>
            <td className="pr-2 tabular-nums">{row.messagesPerViewer.toFixed(1)}</td>
            <td className="pr-2 tabular-nums">{Math.round(row.totalMessagesPerSecond)}</td>
            <td className="tabular-nums">{row.p95Ms === null ? 'beyond published data' : `${row.p95Ms} ms`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function GateTable({ gates }: { gates: GateResult[] }) {
  return (
    <div className="overflow-x-auto">
    <table className="w-full text-left text-sm" aria-label="Gates">
      <thead className="text-xs text-slate-500 uppercase">
        <tr>
          <th className="py-1 pr-2">Gate</th>
          <th className="py-1 pr-2">Status</th>
          <th className="py-1 pr-2">Measured</th>
          <th className="py-1">Needs</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
        {gates.map((gate) => (
          <tr key={gate.gate} title={gate.detail}>
            <td className="py-1.5 pr-2 font-medium">{gate.gate}</td>
            <td className="py-1.5 pr-2">
              <Badge tone={TONE[gate.status]}>{LABEL[gate.status]}</Badge>
              {gate.severe ? <Badge tone="bad">severe</Badge> : null}
            </td>
            <td className="py-1.5 pr-2 tabular-nums break-words">
              {gate.value}
              {gate.evidence ? <Evidence evidence={gate.evidence} /> : null}
              {gate.projection ? <Projection projection={gate.projection} /> : null}
            </td>
            <td className="py-1.5 text-slate-500">{gate.threshold}</td>
          </tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}
