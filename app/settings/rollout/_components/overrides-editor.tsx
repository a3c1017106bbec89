'use client';

import { useState } from 'react';
import type { RolloutCommand } from '@/lib/rollout/commands';
import { COHORTS, type Cohort } from '@/lib/rollout/config';
import type { RolloutSubject } from '@/lib/rollout/evaluate';
import { fetcher } from '@/lib/swr/fetcher';
import { Button, inputClass } from '@/components/ui';

/** Per-user overrides: look the user up by email or id, pick a cohort. */
export function OverridesEditor({ overrides, onPropose }: { overrides: Record<string, Cohort>; onPropose: (command: RolloutCommand) => void }) {
  const [who, setWho] = useState('');
  const [cohort, setCohort] = useState<Cohort>('realtime');
  const [error, setError] = useState<string | null>(null);

  async function add() {
    setError(null);
    try {
      const { subject } = await fetcher<{ subject: RolloutSubject }>(`/api/rollout/explain?user=${encodeURIComponent(who)}`);
      onPropose({ type: 'set-override', userId: subject.userId, cohort });
      setWho('');
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  }

  const entries = Object.entries(overrides);
  return (
    <div>
      {entries.length === 0 ? <p className="mb-2 text-sm text-slate-500">No overrides.</p> : null}
      <ul className="mb-3 divide-y divide-slate-100 text-sm dark:divide-slate-800">
        {entries.map(([userId, value]) => (
          <li key={userId} className="flex items-center justify-between py-1.5">
            <span className="font-mono text-xs">{userId}</span>
            <span className="flex items-center gap-2">
              {value}
              <Button onClick={() => onPropose({ type: 'remove-override', userId })} aria-label={`Remove override for ${userId}`}>
                Remove
              </Button>
            </span>
          </li>
        ))}
      </ul>
      <form
        className="flex flex-wrap gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          void add();
        }}
      >
        <input aria-label="Override user" value={who} onChange={(event) => setWho(event.target.value)} placeholder="email or user id" className={`min-w-0 flex-1 ${inputClass}`} />
        <select aria-label="Override cohort" value={cohort} onChange={(event) => setCohort(event.target.value as Cohort)} className={inputClass}>
          {COHORTS.map((value) => (
            <option key={value}>{value}</option>
          ))}
        </select>
        <Button type="submit" disabled={!who.trim()}>
          Add override
        </Button>
      </form>
      {error ? <p className="mt-2 text-sm text-red-600">{error}</p> : null}
    </div>
  );
}
