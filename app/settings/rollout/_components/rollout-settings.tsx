'use client';

import { useEffect, useRef, useState } from 'react';
import { AuditLog } from '@/app/settings/rollout/_components/audit-log';
import { ExplainUser } from '@/app/settings/rollout/_components/explain-user';
import { GatesPanel } from '@/app/settings/rollout/_components/gates-panel';
import { OverridesEditor } from '@/app/settings/rollout/_components/overrides-editor';
import { ReviewPanel } from '@/app/settings/rollout/_components/review-panel';
import { rollbackTargets, rolloutHeadline } from '@/app/settings/rollout/_components/rollout-headline';
import { SegmentsEditor } from '@/app/settings/rollout/_components/segments-editor';
import { StageStepper, stageLabel } from '@/app/settings/rollout/_components/stage-stepper';
import { Badge, Button, Card, inputClass } from '@/components/ui';
import type { RolloutCommand } from '@/lib/rollout/commands';
import { postJson } from '@/lib/swr/fetcher';
import { useRolloutAdmin, type RolloutOverview } from '@/lib/swr/use-rollout-admin';

// eslint-disable-next-line max-lines-per-function -- one page section's JSX tree, read top to bottom; its state and actions are in hooks and lib/rollout.
export function RolloutSettings({ initial }: { initial: RolloutOverview }) {
  const { data, mutate } = useRolloutAdmin(initial);
  const [pending, setPending] = useState<RolloutCommand[]>([]);
  const [percentageDraft, setPercentageDraft] = useState<string>('');
  const overview = data ?? initial;
  const { config } = overview;
  const propose = (command: RolloutCommand) => setPending((current) => [...current.filter((c) => c.type !== command.type || 'userId' in c || 'segment' in c), command]);
  const proposedStage = pending.find((c): c is Extract<RolloutCommand, { type: 'set-stage' }> => c.type === 'set-stage')?.stage ?? null;
  const danger = pending.some((c) => (c.type === 'set-kill-switch' && c.killSwitch) || c.type === 'rollback');
  const headline = rolloutHeadline(config);
  // On a phone the review column sits below everything: bring it into view when a change is proposed.
  const review = useRef<HTMLDivElement>(null);
  const hasPending = pending.length > 0;
  useEffect(() => {
    if (hasPending) review.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [hasPending]);

  async function save(reason: string, force: boolean) {
    await postJson('/api/rollout/config', { commands: pending, reason, expectedVersion: config.version, force });
    setPending([]);
    await mutate();
  }

  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-[minmax(0,1fr)_380px]">
      <div className="min-w-0 space-y-4">
        <Card
          title="Stage"
          action={
            <span className="flex items-center gap-2 text-xs text-slate-500">
              {config.version === 1 ? 'default config (never changed)' : `config v${config.version} · ${config.updatedBy} · ${new Date(config.updatedAt).toLocaleString()}`}
            </span>
          }
        >
          {headline.note ? (
            <p role="status" className="mb-3 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
              {headline.note}
            </p>
          ) : null}
          <StageStepper current={config.stage} held={headline.stageState === 'held'} proposed={proposedStage} onPropose={(stage) => stage !== config.stage && propose({ type: 'set-stage', stage })} />
          <div className="mt-4 flex flex-wrap items-end gap-4 text-sm">
            <div>
              <div className="text-xs text-slate-500">Realtime share</div>
              <div className="text-2xl font-semibold tabular-nums" data-testid="realtime-share">
                {headline.share} %
              </div>
              {config.ratchet && config.highWater > config.percentage ? <div className="text-xs text-amber-700 dark:text-amber-400">ratchet holds {config.highWater} % exposed</div> : null}
            </div>
            <form
              className="flex items-end gap-2"
              onSubmit={(event) => {
                event.preventDefault();
                const value = Number(percentageDraft);
                if (Number.isFinite(value)) propose({ type: 'set-percentage', percentage: Math.round(value * 100) / 100 });
              }}
            >
              <label className="text-xs">
                <span className="text-slate-500">Set percentage</span>
                <input aria-label="Percentage" type="number" min={0} max={100} step={0.01} value={percentageDraft} onChange={(event) => setPercentageDraft(event.target.value)} className={`mt-0.5 block w-24 ${inputClass}`} />
              </label>
              <Button type="submit" disabled={percentageDraft === ''}>
                Propose
              </Button>
            </form>
            <label className="flex items-center gap-2">
              <input type="checkbox" checked={config.ratchet} onChange={(event) => propose({ type: 'set-ratchet', ratchet: event.target.checked })} />
              Ratchet (keep exposed users when the percentage shrinks)
            </label>
            <Button onClick={() => propose({ type: 'bump-bucket-version' })} title="Reshuffle every user into new buckets">
              Reshuffle (bucket v{config.bucketVersion} → v{config.bucketVersion + 1})
            </Button>
          </div>
          <div className="mt-4 flex flex-wrap items-center gap-2 border-t border-slate-100 pt-3 dark:border-slate-800">
            {rollbackTargets(config.stage).map((toStage, index) => (
              <Button key={toStage} variant={index === 0 ? 'danger' : 'secondary'} onClick={() => setPending([{ type: 'rollback', toStage }])}>
                Roll back to {stageLabel(toStage).toLowerCase()}
              </Button>
            ))}
            {config.stage === 'legacy-only' ? <span className="text-xs text-slate-500">Nothing to roll back: everyone is on the legacy feed.</span> : null}
          </div>
        </Card>

        <GatesPanel config={config} onPropose={propose} />

        <Card
          title="Kill switch"
          action={config.killSwitch ? <Badge tone="bad">ON — everyone on legacy</Badge> : <Badge tone="good">off</Badge>}
          className={config.killSwitch ? 'border-red-400 dark:border-red-700' : ''}
        >
          <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">Sends every user back to the legacy feed within seconds, above every override and rule.</p>
          <Button variant={config.killSwitch ? 'secondary' : 'danger'} onClick={() => setPending([{ type: 'set-kill-switch', killSwitch: !config.killSwitch }])}>
            {config.killSwitch ? 'Turn kill switch off' : 'Turn kill switch on'}
          </Button>
        </Card>

        <Card title="Per-user overrides">
          <OverridesEditor overrides={config.overrides} onPropose={propose} />
        </Card>

        <Card title="Segments">
          <SegmentsEditor segments={config.segments} onPropose={propose} />
        </Card>

        <Card title="Audit log">
          <AuditLog entries={overview.audit} />
        </Card>
      </div>

      <div ref={review} className="min-w-0 scroll-mt-4 space-y-4 lg:sticky lg:top-4 lg:self-start">
        {pending.length > 0 ? (
          <ReviewPanel commands={pending} danger={danger} onSave={save} onDiscard={() => setPending([])} />
        ) : (
          <Card title="Review change">
            <p className="text-sm text-slate-500">Propose a change on the left; its blast radius shows here before you save.</p>
          </Card>
        )}
        <Card title="Explain user">
          <ExplainUser />
        </Card>
      </div>
    </div>
  );
}
