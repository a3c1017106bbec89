'use client';

import { useState } from 'react';
import type { Decision, RolloutSubject } from '@/lib/rollout/evaluate';
import { fetcher } from '@/lib/swr/fetcher';
import { Badge, Button, inputClass } from '@/components/ui';

function describeReason(decision: Decision): string {
  const { reason } = decision;
  switch (reason.kind) {
    case 'kill-switch':
      return 'The kill switch is on: everyone is on legacy.';
    case 'override':
      return 'A per-user override decides.';
    case 'segment':
      return `Segment rule "${reason.segmentName}" (${reason.segmentId}) matches.`;
    case 'stage':
      return `The stage (${reason.stage}) decides for everyone.`;
    case 'percentage':
      return `Bucket ${decision.bucket} ${reason.inPercentage ? '<' : '≥'} threshold ${reason.ratchetThreshold}${reason.ratchetThreshold !== reason.threshold ? ` (ratchet; current percentage threshold ${reason.threshold})` : ''}.`;
  }
}

/** "Why is this user in this cohort?" — bucket, matching rule, resulting cohort. */
export function ExplainUser() {
  const [query, setQuery] = useState('');
  const [result, setResult] = useState<{ subject: RolloutSubject; decision: Decision } | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function explain() {
    setError(null);
    setResult(null);
    try {
      setResult(await fetcher(`/api/rollout/explain?user=${encodeURIComponent(query)}`));
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  }

  return (
    <div>
      <form
        className="flex gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          void explain();
        }}
      >
        <input aria-label="User email or id" value={query} onChange={(event) => setQuery(event.target.value)} placeholder="email or user id" className={`flex-1 ${inputClass}`} />
        <Button type="submit" disabled={!query.trim()}>
          Explain
        </Button>
      </form>
      {error ? <p className="mt-2 text-sm text-red-600">{error}</p> : null}
      {result ? (
        <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm" aria-label="Explanation">
          <dt className="text-slate-500">User</dt>
          <dd>
            {result.subject.email ?? result.subject.userId} <span className="text-xs text-slate-500">({result.subject.role}{result.subject.segment ? `, segment ${result.subject.segment}` : ''})</span>
          </dd>
          <dt className="text-slate-500">Bucket</dt>
          <dd className="font-mono">{result.decision.bucket} / 10000</dd>
          <dt className="text-slate-500">Cohort</dt>
          <dd>
            <Badge tone={result.decision.cohort === 'realtime' ? 'good' : result.decision.cohort === 'shadow' ? 'info' : 'neutral'}>{result.decision.cohort}</Badge>
          </dd>
          <dt className="text-slate-500">Because</dt>
          <dd>{describeReason(result.decision)}</dd>
        </dl>
      ) : null}
    </div>
  );
}
