'use client';

import { GateTable } from '@/components/gate-table';
import { stageLabel } from '@/app/settings/rollout/_components/stage-stepper';
import { Badge, Button, Card, inputClass } from '@/components/ui';
import { FAILURE_LIMIT } from '@/lib/validation/engine/gate-policy';
import { postJson } from '@/lib/swr/fetcher';
import { REALTIME_PLANS, REALTIME_PLAN_LABELS, REALTIME_PLAN_LIMITS } from '@/lib/plans/realtime-plans';
import type { RolloutCommand } from '@/lib/rollout/commands';
import type { RealtimeStrategy, RolloutConfig } from '@/lib/rollout/config';
import { stageStrategy } from '@/lib/rollout/strategy';
import { useMigrationGates } from '@/lib/swr/use-migration-gates';

/** The gates between this stage and the next, plus the automation settings. */
export function GatesPanel({ config, onPropose }: { config: RolloutConfig; onPropose: (command: RolloutCommand) => void }) {
  const { data, error, mutate } = useMigrationGates();
  const resume = async () => {
    await postJson('/api/migration/gates', { action: 'resume' });
    await mutate();
  };
  return (
    <Card
      title={data?.next ? `Gates before ${stageLabel(data.next)}` : 'Gates'}
      action={data ? <Badge tone={data.verdict === 'pass' ? 'good' : data.verdict === 'fail' ? 'bad' : 'warn'}>{data.verdict === 'wait' ? 'waiting for data' : data.verdict}</Badge> : null}
    >
      {error ? <p className="text-sm text-red-600">{error instanceof Error ? error.message : String(error)}</p> : null}
      {data ? <GateTable gates={data.results} /> : <p className="text-sm text-slate-500">Loading…</p>}
      {data ? (
        <div className="mt-2 space-y-1 text-xs text-slate-500" aria-label="Gate runner">
          <p>
            Judging since {new Date(data.windowStart).toLocaleTimeString()} (the first full analysis window of this stage). A breach acts after {FAILURE_LIMIT} analysed windows in a row
            {data.runner.failures > 0 ? <strong className="text-red-600"> — breach {data.runner.failures} of {FAILURE_LIMIT}</strong> : null}.
          </p>
          {data.runner.paused ? (
            <p className="flex flex-wrap items-center gap-2 text-amber-700 dark:text-amber-300">
              <span>Paused for a human: {data.runner.paused.reason}</span>
              <Button onClick={() => void resume()}>Resume the gate runner</Button>
            </p>
          ) : data.action.kind === 'none' && data.action.note ? (
            <p>{data.action.note}</p>
          ) : null}
        </div>
      ) : null}
      <div className="mt-3 flex flex-wrap items-center gap-4 border-t border-slate-100 pt-3 text-sm dark:border-slate-800">
        <label className="flex items-center gap-2">
          <input type="checkbox" checked={config.autoAdvance} onChange={(event) => onPropose({ type: 'set-auto-advance', autoAdvance: event.target.checked })} />
          Auto-advance after {config.soakMinutes} min with every gate passing
        </label>
        <label className="flex items-center gap-2">
          Supabase plan
          <select value={config.plan} onChange={(event) => onPropose({ type: 'set-plan', plan: event.target.value as RolloutConfig['plan'] })} className={inputClass}>
            {REALTIME_PLANS.map((plan) => (
              <option key={plan} value={plan}>
                {REALTIME_PLAN_LABELS[plan]}
              </option>
            ))}
          </select>
          <span className="text-xs text-slate-500">{planSummary(config.plan)}</span>
        </label>
        <label className="flex items-center gap-2">
          Realtime strategy at stage {config.stage}
          <select
            aria-label="Realtime strategy for the current stage"
            value={stageStrategy(config)}
            onChange={(event) => onPropose({ type: 'set-stage-strategy', stage: config.stage, strategy: event.target.value as RealtimeStrategy })}
            className={inputClass}
          >
            <option value="postgres_changes">postgres_changes</option>
            <option value="broadcast">Broadcast from Database</option>
          </select>
        </label>
        <label className="flex items-center gap-2">
          Hosted compute
          <select
            aria-label="Hosted compute size for the projection"
            value={config.computeSize}
            onChange={(event) => onPropose({ type: 'set-hosted-projection', computeSize: event.target.value as RolloutConfig['computeSize'], blocks: config.projectionBlocks })}
            className={inputClass}
          >
            <option value="micro">Micro</option>
            <option value="small">Small</option>
            <option value="large">Large</option>
          </select>
        </label>
        <label className="flex items-center gap-2">
          <input type="checkbox" checked={config.projectionBlocks} onChange={(event) => onPropose({ type: 'set-hosted-projection', computeSize: config.computeSize, blocks: event.target.checked })} />
          Block when the hosted projection breaks the p95 target
        </label>
        <span className="text-xs text-slate-500">A failing health gate during a live stage rolls back by itself (audited).</span>
      </div>
    </Card>
  );
}

/** The plan's published Realtime limits the quota gate projects against (lib/plans/realtime-plans.ts). */
function planSummary(plan: RolloutConfig['plan']): string {
  const limits = REALTIME_PLAN_LIMITS[plan];
  return `${limits.concurrentConnections.toLocaleString('en')} connections · ${limits.messagesPerSecond.toLocaleString('en')} msgs/s · ${limits.channelJoinsPerSecond.toLocaleString('en')} joins/s`;
}
