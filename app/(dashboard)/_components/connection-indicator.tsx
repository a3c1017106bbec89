'use client';

import { useNow } from '@/components/use-now';
import type { RealtimeStrategy } from '@/contracts/transports';
import { fallbackBanner, STRATEGY_NAME, TRANSPORT_NAME } from '@/lib/dashboard/fallback-banner';
import { reconnectBanner } from '@/lib/dashboard/reconnect-banner';
import { statusLabel, statusTone, type StatusTone } from '@/lib/monitoring/connection-status';
import type { FeedSnapshot } from '@/lib/monitoring/feed-snapshot';

const DOT: Record<StatusTone, string> = {
  neutral: 'bg-slate-400',
  good: 'bg-emerald-500',
  busy: 'bg-sky-500 animate-pulse',
  warning: 'bg-amber-500 animate-pulse',
  critical: 'bg-red-600',
};

function age(ms: number): string {
  if (ms < 1500) return 'just now';
  if (ms < 60_000) return `${Math.round(ms / 1000)} s ago`;
  return `${Math.round(ms / 60_000)} min ago`;
}

/** Transport (and Realtime strategy), state, age of the last event and reconnects — readable at a glance. */
export function ConnectionIndicator({ feed, cohort, realtimeStrategy }: { feed: FeedSnapshot; cohort: string; realtimeStrategy: RealtimeStrategy }) {
  const now = useNow(1000);
  const tone = statusTone(feed.status);
  return (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-1 text-sm" role="status" aria-label="Connection">
      <span className="flex items-center gap-2 font-medium">
        <span className={`inline-block h-2.5 w-2.5 rounded-full ${DOT[tone]}`} aria-hidden />
        <span data-testid="connection-state">{statusLabel(feed.status)}</span>
      </span>
      <span className="text-slate-600 dark:text-slate-300">
        via <strong data-testid="connection-transport">{feed.transport ? TRANSPORT_NAME[feed.transport] : '—'}</strong>
        {feed.transport === 'realtime' ? (
          <span className="text-slate-500 dark:text-slate-400" title="Realtime strategy">
            {' '}
            · <span data-testid="connection-strategy">{STRATEGY_NAME[realtimeStrategy]}</span>
          </span>
        ) : null}
      </span>
      <span className="text-slate-500 dark:text-slate-400" title="Rollout cohort">
        cohort <span data-testid="cohort">{cohort}</span>
      </span>
      <span className="text-slate-500 tabular-nums dark:text-slate-400" data-testid="last-event-age">
        last event {feed.lastEventAt ? age(now - feed.lastEventAt) : 'never'}
      </span>
      <span className="text-slate-500 tabular-nums dark:text-slate-400">reconnects {feed.reconnects}</span>
      {feed.shadow ? (
        <span className="text-slate-500 dark:text-slate-400" title="Compared, never rendered">
          shadow: {TRANSPORT_NAME[feed.shadow.transport]} ({feed.shadow.phase}, {feed.shadow.events} events)
        </span>
      ) : null}
      <span className="text-slate-400 tabular-nums dark:text-slate-500" title="Events by the path that delivered them first">
        legacy {feed.provenance.legacy} · realtime {feed.provenance.realtime} · history {feed.provenance.history}
      </span>
    </div>
  );
}

/** Fallback and gap-fill banners: why the data may come from somewhere unusual right now. */
export function FeedBanners({ feed }: { feed: FeedSnapshot }) {
  const fallback = fallbackBanner(feed);
  const reconnecting = reconnectBanner(feed);
  return (
    <>
      {reconnecting ? (
        <div role="status" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200" data-testid="reconnect-reason">
          {reconnecting}
        </div>
      ) : null}
      {fallback ? (
        <div role="alert" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
          <strong>Fallback:</strong> {fallback}
        </div>
      ) : null}
      {feed.status === 'catching-up' ? (
        <div className="rounded-md border border-sky-300 bg-sky-50 px-3 py-2 text-sm text-sky-900 dark:border-sky-800 dark:bg-sky-950 dark:text-sky-200">
          Catching up: filling missed events from history ({feed.gapFills.recovered} recovered so far).
        </div>
      ) : null}
      {feed.status === 'error' && feed.lastFailure ? (
        <div role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
          The live feed failed: {feed.lastFailure.message}. Reload the page or sign in again.
        </div>
      ) : null}
      {feed.status === 'offline' ? (
        <div className="rounded-md border border-slate-300 bg-slate-100 px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-800">You are offline; the dashboard resumes and back-fills when the network returns.</div>
      ) : null}
    </>
  );
}
