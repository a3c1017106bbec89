'use client';

import { memo, useDeferredValue, useMemo, useState } from 'react';
import { Badge, Card, inputClass, type Tone } from '@/components/ui';
import { SYSTEM_EVENT_LEVELS, type SystemEvent, type SystemEventLevel } from '@/lib/monitoring/model';
import { revealBidiControls } from '@/lib/text/reveal-bidi-controls';

const LEVEL_TONE: Record<SystemEventLevel, Tone> = { debug: 'neutral', info: 'info', warn: 'warn', error: 'bad', critical: 'bad' };
const SHOWN = 200;

/** System events, newest first, with a minimum-level filter and free-text search. */
export function EventsTable({ events }: { events: readonly SystemEvent[] }) {
  const [minLevel, setMinLevel] = useState<SystemEventLevel>('debug');
  const [search, setSearch] = useState('');
  const query = useDeferredValue(search.trim().toLowerCase());
  const rows = useMemo(() => {
    const floor = SYSTEM_EVENT_LEVELS.indexOf(minLevel);
    const out: SystemEvent[] = [];
    for (let i = events.length - 1; i >= 0 && out.length < SHOWN; i -= 1) {
      const e = events[i] as SystemEvent;
      if (SYSTEM_EVENT_LEVELS.indexOf(e.level) < floor) continue;
      if (query && !`${e.kind} ${e.message} ${e.cacheName ?? ''} ${e.source}`.toLowerCase().includes(query)) continue;
      out.push(e);
    }
    return out;
  }, [events, minLevel, query]);

  return (
    <Card
      title={`System events (${events.length})`}
      action={
        <div className="flex gap-2">
          <select aria-label="Minimum level" value={minLevel} onChange={(event) => setMinLevel(event.target.value as SystemEventLevel)} className={inputClass}>
            {SYSTEM_EVENT_LEVELS.map((level) => (
              <option key={level} value={level}>
                {level}+
              </option>
            ))}
          </select>
          <input aria-label="Search events" type="search" placeholder="Search…" value={search} onChange={(event) => setSearch(event.target.value)} className={`w-36 sm:w-56 ${inputClass}`} />
        </div>
      }
    >
      {rows.length === 0 ? (
        <p className="py-6 text-center text-sm text-slate-500">{events.length === 0 ? 'No system events yet. They appear here as caches storm, restart or lose their origin.' : 'No events match the filter.'}</p>
      ) : (
        <div className="max-h-96 overflow-auto [contain:content]">
          <table className="w-full text-left text-sm" aria-label="System events">
            <thead className="sticky top-0 bg-white text-xs text-slate-500 uppercase dark:bg-slate-900">
              <tr>
                <th className="py-1 pr-2">Time</th>
                <th className="py-1 pr-2">Level</th>
                <th className="py-1 pr-2">Event</th>
                <th className="hidden py-1 pr-2 md:table-cell">Cache</th>
                <th className="py-1">Message</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {rows.map((e) => (
                <EventRow key={e.eventId} event={e} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

/** One row; an event never changes once held, so a row renders once however often the list does. */
const EventRow = memo(function EventRow({ event: e }: { event: SystemEvent }) {
  return (
    <tr>
      <td className="py-1 pr-2 whitespace-nowrap text-slate-500 tabular-nums">{new Date(e.emittedAt).toLocaleTimeString()}</td>
      <td className="py-1 pr-2">
        <Badge tone={LEVEL_TONE[e.level]}>{e.level}</Badge>
      </td>
      <td className="py-1 pr-2 font-mono text-xs">{e.kind}</td>
      {/* Sender-controlled text: bidi controls shown, not obeyed, and isolated from the row (docs/api-limits.md). */}
      <td className="hidden py-1 pr-2 font-mono text-xs md:table-cell">{e.cacheName === null ? '—' : <bdi>{revealBidiControls(e.cacheName)}</bdi>}</td>
      <td className="py-1">
        <bdi>{revealBidiControls(e.message)}</bdi>
      </td>
    </tr>
  );
});
