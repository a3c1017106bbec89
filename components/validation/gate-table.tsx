import type { GateResult } from '@/lib/migration/gates';
import { Badge, type Tone } from '@/components/ui';

const TONE: Record<GateResult['status'], Tone> = { pass: 'good', fail: 'bad', wait: 'warn' };

export function GateTable({ gates }: { gates: GateResult[] }) {
  return (
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
              <Badge tone={TONE[gate.status]}>{gate.status === 'wait' ? 'waiting for data' : gate.status}</Badge>
              {gate.severe ? <Badge tone="bad">severe</Badge> : null}
            </td>
            <td className="py-1.5 pr-2 tabular-nums">{gate.value}</td>
            <td className="py-1.5 text-slate-500">{gate.threshold}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
