'use client';

import { useState } from 'react';
import type { DiscrepancyRow } from '@/lib/validation/store/report';
import { Badge } from '@/components/ui';

function Payload({ title, value }: { title: string; value: unknown }) {
  return (
    <div className="min-w-0 flex-1">
      <div className="mb-1 text-xs font-semibold text-slate-500">{title}</div>
      <pre className="max-h-48 overflow-auto rounded bg-slate-50 p-2 text-xs dark:bg-slate-950">{value === null ? '— not delivered —' : value === undefined ? '— delivered; digest only —' : JSON.stringify(value, null, 2)}</pre>
    </div>
  );
}

/** Every discrepancy with the two payloads side by side (and the stored row as truth). */
export function DiscrepancyLog({ rows }: { rows: DiscrepancyRow[] }) {
  const [open, setOpen] = useState<number | null>(null);
  if (rows.length === 0) return <p className="text-sm text-slate-500">No discrepancies in this window.</p>;
  return (
    <ul className="divide-y divide-slate-100 text-sm dark:divide-slate-800" aria-label="Discrepancy log">
      {rows.map((row) => (
        <li key={row.id} className="py-1.5">
          <button type="button" className="flex w-full flex-wrap items-center gap-2 text-left" onClick={() => setOpen(open === row.id ? null : row.id)} aria-expanded={open === row.id}>
            <Badge tone={row.ignored ? 'neutral' : 'bad'}>{row.kind.replaceAll('_', ' ')}</Badge>
            <span className="font-mono text-xs">
              {row.stream} #{row.eventSeq}
            </span>
            <span className="text-xs text-slate-500">
              {new Date(row.minute).toLocaleTimeString()} · {row.strategy} · {row.trusted ? 'probe' : `${row.cohort} · ${row.browser}`}
            </span>
            {row.ignored ? <Badge>ignored</Badge> : null}
          </button>
          {open === row.id ? (
            <div className="mt-2 flex flex-col gap-2 sm:flex-row">
              <Payload title="Stored row (truth)" value={row.truth} />
              <Payload title="Legacy, as reported" value={row.control ?? (row.kind === 'missing_control' ? null : undefined)} />
              <Payload title={`Realtime (${row.strategy}), as reported`} value={row.candidate ?? (row.kind === 'missing_candidate' ? null : undefined)} />
            </div>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
