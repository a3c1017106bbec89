'use client';

import { STAGES, type Stage } from '@/lib/rollout/stages';

const LABELS: Record<Stage, string> = {
  'legacy-only': 'Legacy only',
  shadow: 'Shadow',
  '25': '25 %',
  '50': '50 %',
  '75': '75 %',
  '100': '100 %',
  decommissioned: 'Legacy off',
};

/**
 * The migration stages as a stepper; the current stage is highlighted, any other can be
 * proposed. While the kill switch holds the rollout, the configured stage is shown as held
 * (outlined, "held"), not as what users get.
 */
export function StageStepper({ current, held = false, proposed, onPropose }: { current: Stage; held?: boolean; proposed: Stage | null; onPropose: (stage: Stage) => void }) {
  const currentIndex = STAGES.indexOf(current);
  return (
    <ol className="grid grid-cols-4 gap-1 sm:grid-cols-7" aria-label="Migration stages">
      {STAGES.map((stage, index) => {
        const isCurrent = stage === current;
        const isProposed = stage === proposed;
        const done = index < currentIndex && !held;
        return (
          <li key={stage}>
            <button
              type="button"
              onClick={() => onPropose(stage)}
              aria-current={isCurrent ? 'step' : undefined}
              aria-pressed={isProposed}
              title={isCurrent && held ? 'Configured stage, held by the kill switch' : undefined}
              className={`w-full rounded-md border px-2 py-2 text-xs font-medium transition ${
                isCurrent && held
                  ? 'border-dashed border-red-500 bg-white text-red-700 dark:bg-slate-900 dark:text-red-300'
                  : isCurrent
                  ? 'border-brand-600 bg-brand-600 text-white'
                  : isProposed
                    ? 'border-brand-500 bg-brand-50 text-brand-700 dark:bg-slate-800 dark:text-white'
                    : done
                      ? 'border-emerald-300 bg-emerald-50 text-emerald-800 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-300'
                      : 'border-slate-200 bg-white text-slate-600 hover:border-slate-400 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-300'
              }`}
            >
              {LABELS[stage]}
              {isCurrent && held ? <span className="sr-only"> (held by the kill switch)</span> : null}
            </button>
          </li>
        );
      })}
    </ol>
  );
}

export function stageLabel(stage: Stage): string {
  return LABELS[stage];
}
