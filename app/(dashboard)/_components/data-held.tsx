'use client';

import { useId, useState } from 'react';
import { Badge } from '@/components/ui';
import { idContinuity, type IdContinuity, type IdRun } from '@/lib/monitoring/id-continuity';
import { STREAMS, type EventsByStream, type Stream } from '@/lib/monitoring/model';

const STREAM_NAME: Record<Stream, string> = { cache_metrics: 'Cache metrics', system_events: 'System events' };
/** Runs or ids listed per cell; the rest is summarised. */
const LISTED = 20;

interface Check {
  at: number;
  streams: Record<Stream, IdContinuity>;
}

const check = (events: EventsByStream): Check => ({
  at: Date.now(),
  streams: { cache_metrics: idContinuity(events.cache_metrics), system_events: idContinuity(events.system_events) },
});

/**
 * "Data held": on request only, what the page holds per stream — rows, id range, holes and
 * repeats — so a viewer can check that nothing was lost or shown twice across a reconnect
 * or a transport switch. Checked when opened and on "Recheck", never on a live update.
 */
export function DataHeld({ events }: { events: EventsByStream }) {
  const [result, setResult] = useState<Check | null>(null);
  const panelId = useId();
  return (
    <div className="text-sm">
      <button
        type="button"
        aria-expanded={result !== null}
        aria-controls={panelId}
        onClick={() => setResult(result ? null : check(events))}
        className="text-xs text-slate-500 underline decoration-dotted underline-offset-2 hover:text-slate-800 dark:text-slate-400 dark:hover:text-slate-100"
      >
        Check continuity
      </button>
      {result ? (
        <div id={panelId} role="region" aria-label="Data held" className="mt-2 space-y-2 rounded-md border border-slate-200 p-3 dark:border-slate-800">
          <DataHeldTable streams={result.streams} />
          <p className="text-xs text-slate-500 dark:text-slate-400">
            Checked at {new Date(result.at).toLocaleTimeString()}. Missing ids lie between the oldest and newest row held; the database can skip an id (a retried or rolled-back
            write), so a gap is not always lost data.{' '}
            <button type="button" onClick={() => setResult(check(events))} className="underline underline-offset-2 hover:text-slate-800 dark:hover:text-slate-100">
              Recheck
            </button>
          </p>
        </div>
      ) : null}
    </div>
  );
}

/** Per stream: rows held, id range, missing and repeated ids, and a one-word verdict. */
export function DataHeldTable({ streams }: { streams: Record<Stream, IdContinuity> }) {
  return (
    <table className="w-full text-left text-xs tabular-nums" aria-label="Ids held per stream">
      <thead className="text-slate-500">
        <tr>
          <th scope="col" className="pr-3">Stream</th>
          <th scope="col" className="pr-3">Rows held</th>
          <th scope="col" className="pr-3">Ids</th>
          <th scope="col" className="pr-3">Missing ids</th>
          <th scope="col" className="pr-3">Repeated ids</th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        {STREAMS.map((stream) => (
          <StreamRow key={stream} name={STREAM_NAME[stream]} held={streams[stream]} />
        ))}
      </tbody>
    </table>
  );
}

function StreamRow({ name, held }: { name: string; held: IdContinuity }) {
  const repeats = held.repeated.map(({ id, times }) => `${id} (${times}×)`);
  return (
    <tr>
      <th scope="row" className="pr-3 font-medium">
        {name}
      </th>
      <td className="pr-3">{held.rows.toLocaleString()}</td>
      <td className="pr-3">{held.first === null ? 'none' : run({ from: held.first, to: held.last ?? held.first })}</td>
      <td className="pr-3">{listed(held.missing.map(run), `${held.missingIds} ids`)}</td>
      <td className="pr-3">{listed(repeats, `${repeats.length} ids`)}</td>
      <td>
        <Status held={held} />
      </td>
    </tr>
  );
}

function Status({ held }: { held: IdContinuity }) {
  if (held.repeated.length > 0 || held.outOfOrder > 0) return <Badge tone="bad">{held.repeated.length > 0 ? 'Repeats' : `${held.outOfOrder} out of order`}</Badge>;
  if (held.missing.length > 0) return <Badge tone="warn">Gaps</Badge>;
  return <Badge tone="good">{held.rows === 0 ? 'Empty' : 'Continuous'}</Badge>;
}

/** Ids are names, not quantities: no thousands separators, so lists stay readable. */
const run = ({ from, to }: IdRun) => (from === to ? `${from}` : `${from}–${to}`);

function listed(items: string[], total: string): string {
  if (items.length === 0) return 'none';
  if (items.length <= LISTED) return items.join(', ');
  return `${items.slice(0, LISTED).join(', ')} and ${items.length - LISTED} more (${total} in all)`;
}
