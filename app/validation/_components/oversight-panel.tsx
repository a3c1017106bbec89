'use client';

import { useState } from 'react';
import { Badge, Button, Card } from '@/components/ui';
import { postJson } from '@/lib/swr/fetcher';
import type { ValidationReport } from '@/lib/validation/store/report';

const TREATMENT_TONE = { 'trusted baseline': 'info', counted: 'good', 'left out (most extreme)': 'warn', quarantined: 'bad' } as const;

/** Who the evidence comes from, what the gates did with each source, and who was refused (admins). */
export function OversightPanel({ oversight, onChange }: { oversight: NonNullable<ValidationReport['oversight']>; onChange: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const release = async (subject: string) => {
    setError(null);
    try {
      await postJson('/api/validation/quarantine', { action: 'release', subject });
      onChange();
    } catch (cause) {
      setError(cause instanceof Error ? cause.message : String(cause));
    }
  };
  const name = (s: { subject: string; email: string | null; trusted?: boolean }) => (s.trusted ? 'probe (service role)' : (s.email ?? s.subject));
  return (
    <Card title="Evidence and influence">
      <p className="mb-2 text-xs text-slate-500">
        The probe is the trusted baseline. Browsers vote only with enough users; the most extreme user on each side is left out, and users far out of line are quarantined until
        released here.
      </p>
      {error ? <p className="text-sm text-red-600">{error}</p> : null}
      <div className="overflow-x-auto">
        <table className="w-full min-w-[32rem] text-left text-sm" aria-label="Evidence by source">
          <thead className="text-xs text-slate-500 uppercase">
            <tr>
              <th className="py-1 pr-2">Source</th>
              <th className="py-1 pr-2">Compared</th>
              <th className="py-1 pr-2">Discrepancies</th>
              <th className="py-1 pr-2">Share</th>
              <th className="py-1">Treatment</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {oversight.subjects.map((s) => (
              <tr key={s.subject}>
                <td className="max-w-[14rem] truncate py-1 pr-2">{name(s)}</td>
                <td className="py-1 pr-2 tabular-nums">{s.compared}</td>
                <td className="py-1 pr-2 tabular-nums">
                  {s.discrepancies}
                  {s.observerDisagrees > 0 ? <span className="text-xs text-red-600"> +{s.observerDisagrees} contradicting the source</span> : null}
                </td>
                <td className="py-1 pr-2 tabular-nums">{s.trusted ? '–' : `${(s.share * 100).toFixed(1)} %`}</td>
                <td className="py-1">
                  <Badge tone={TREATMENT_TONE[s.treatment]}>{s.treatment}</Badge>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3 className="mt-4 mb-1 text-xs font-semibold text-slate-500 uppercase">Quarantined</h3>
      {oversight.quarantine.length === 0 ? (
        <p className="text-sm text-slate-500">Nobody.</p>
      ) : (
        <ul className="space-y-1 text-sm" aria-label="Quarantined observers">
          {oversight.quarantine.map((q) => (
            <li key={q.subject} className="flex flex-wrap items-center gap-2">
              <span className="font-medium">{name(q)}</span>
              <span className="text-xs text-slate-500">since {new Date(q.since).toLocaleString()} — {q.reason}</span>
              <Button onClick={() => void release(q.subject)}>Release</Button>
            </li>
          ))}
        </ul>
      )}
      <h3 className="mt-4 mb-1 text-xs font-semibold text-slate-500 uppercase">Refused batches</h3>
      {oversight.rejections.length === 0 ? (
        <p className="text-sm text-slate-500">None.</p>
      ) : (
        <ul className="space-y-1 text-sm" aria-label="Refused batches">
          {oversight.rejections.map((r) => (
            <li key={`${r.subject}-${r.code}`}>
              <span className="font-medium">{name(r)}</span> · <Badge tone="bad">{r.code.replaceAll('_', ' ')}</Badge> × {r.count}{' '}
              <span className="text-xs text-slate-500">
                last {new Date(r.lastAt).toLocaleTimeString()}: {r.lastMessage}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
