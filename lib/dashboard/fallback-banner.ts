import type { RealtimeStrategy } from '@/contracts/transports';
import type { FeedSnapshot } from '@/lib/monitoring/feed-snapshot';
import type { TransportKind } from '@/lib/monitoring/model';

export const TRANSPORT_NAME: Record<TransportKind, string> = { legacy: 'Legacy WebSocket', realtime: 'Supabase Realtime' };
/** How the Realtime transport receives the streams, as the dashboard's connection line names it. */
export const STRATEGY_NAME: Record<RealtimeStrategy, string> = { postgres_changes: 'Postgres Changes', broadcast: 'Broadcast from Database' };

/**
 * What the fallback banner says, from which lane is actually live — never from the
 * transport the feed last served ("Supabase Realtime is unavailable; showing data from
 * Supabase Realtime"). Null when there is nothing to say.
 */
export function fallbackBanner(feed: Pick<FeedSnapshot, 'status' | 'primary' | 'fallback'>): string | null {
  if (!feed.fallback.active || feed.status === 'offline') return null;
  const primary = TRANSPORT_NAME[feed.primary];
  const reason = feed.fallback.reason ? ` (${feed.fallback.reason})` : '';
  const lane = feed.fallback.lane;
  const other = lane ? TRANSPORT_NAME[lane.transport] : 'the other feed';
  if (feed.status === 'live' || feed.status === 'catching-up') return `${primary} is back; returning from ${other} once it stays up.`;
  if (lane?.phase === 'live') return `${primary} is unavailable${reason}; showing data from ${other} and retrying ${primary} in the background.`;
  if (lane && (lane.phase === 'connecting' || lane.phase === 'idle')) return `${primary} is unavailable${reason}; switching to ${other}…`;
  return `${primary} and ${other} are both unavailable${reason}; showing the data held so far and retrying both.`;
}
