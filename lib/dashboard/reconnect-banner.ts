import { TRANSPORT_NAME } from '@/lib/dashboard/fallback-banner';
import type { FeedSnapshot } from '@/lib/monitoring/feed-snapshot';
import { failureNotice } from '@/lib/monitoring/failure-notice';

/**
 * Why the feed is reconnecting, in the viewer's words plus the server's own ("Too many
 * messages per second", "Token has expired 0 seconds ago"). Null when not reconnecting, or
 * when the fallback banner already explains it.
 */
export function reconnectBanner(feed: Pick<FeedSnapshot, 'status' | 'primary' | 'fallback' | 'lastFailure'>): string | null {
  if (feed.status !== 'reconnecting' || feed.fallback.active || !feed.lastFailure) return null;
  const { kind, message } = feed.lastFailure;
  return `Reconnecting to ${TRANSPORT_NAME[feed.primary]}: ${failureNotice(kind)} (${message}). Missed events are filled from history once it is back.`;
}
