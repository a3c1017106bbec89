import type { MonitoringFeed } from '@/lib/monitoring/monitoring-feed';
import type { FailureKind } from '@/lib/monitoring/transport-failure';
import { waitUntil } from '@/test-support/monitoring/wait-until';

/** Bounded waits on what the viewer is shown (the feed's snapshot), for the failure-mode tests and bench. */
export const live = (feed: MonitoringFeed, timeoutMs = 15_000) => waitUntil(() => feed.getSnapshot().status === 'live', 'the feed to be live', timeoutMs);

export const reconnectedLive = (feed: MonitoringFeed, reconnects: number, timeoutMs = 15_000) =>
  waitUntil(() => feed.getSnapshot().reconnects >= reconnects && feed.getSnapshot().status === 'live', `live again after ${reconnects} reconnect(s)`, timeoutMs);

export const failedWith = (feed: MonitoringFeed, kind: FailureKind, timeoutMs = 10_000) =>
  waitUntil(() => (feed.getSnapshot().lastFailure?.kind === kind ? feed.getSnapshot().lastFailure : undefined), `a ${kind} failure`, timeoutMs);
