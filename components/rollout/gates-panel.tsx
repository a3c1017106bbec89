'use client';

import { GateTable } from '@/components/validation/gate-table';
import { stageLabel } from '@/components/rollout/stage-stepper';
import { Badge, Card, inputClass } from '@/components/ui';
import type { RolloutCommand } from '@/lib/rollout/commands';
import type { RolloutConfig } from '@/lib/rollout/config';
import { useMigrationGates } from '@/lib/swr/use-migration-gates';

/** The gates between this stage and the next, plus the automation settings. */
export function GatesPanel({ config, onPropose }: { config: RolloutConfig; onPropose: (command: RolloutCommand) => void }) {
  const { data, error } = useMigrationGates();
  return (
    <Card
      title={data?.next ? `Gates before ${stageLabel(data.next)}` : 'Gates'}
      action={data ? <Badge tone={data.verdict === 'pass' ? 'good' : data.verdict === 'fail' ? 'bad' : 'warn'}>{data.verdict === 'wait' ? 'waiting for data' : data.verdict}</Badge> : null}
    >
      {error ? <p className="text-sm text-red-600">{error instanceof Error ? error.message : String(error)}</p> : null}
      {data ? <GateTable gates={data.results} /> : <p className="text-sm text-slate-500">Loading…</p>}
      <div className="mt-3 flex flex-wrap items-center gap-4 border-t border-slate-100 pt-3 text-sm dark:border-slate-800">
        <label className="flex items-center gap-2">
          <input type="checkbox" checked={config.autoAdvance} onChange={(event) => onPropose({ type: 'set-auto-advance', autoAdvance: event.target.checked })} />
          Auto-advance after {config.soakMinutes} min with every gate passing
        </label>
        <label className="flex items-center gap-2">
          Supabase plan
          <select value={config.plan} onChange={(event) => onPropose({ type: 'set-plan', plan: event.target.value as RolloutConfig['plan'] })} className={inputClass}>
            <option value="free">Free</option>
            <option value="pro">Pro</option>
            <option value="pro-no-cap">Pro (no spend cap)</option>
            <option value="team">Team</option>
          </select>
        </label>
        <span className="text-xs text-slate-500">A failing health gate during a live stage rolls back by itself (audited).</span>
      </div>
    </Card>
  );
}
