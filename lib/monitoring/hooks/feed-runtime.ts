import { carryOver } from '@/lib/monitoring/carry-over';
import { createHistoryClient, parseHistoryPage } from '@/lib/monitoring/history-client';
import { createMonitoringFeed } from '@/lib/monitoring/monitoring-feed';
import { createBrowserTransports } from '@/lib/monitoring/transports/browser-transports';

/**
 * Everything the live feed runs on — the controller and its machine, ordering, gap fill, the
 * legacy transport, the history parser and valibot under it — as one module the dashboard
 * imports when it mounts (through lib/monitoring/hooks/load-feed-runtime.ts), never with the page.
 * None of it draws the first paint: the shell is server-rendered, the charts start from the
 * series API, and rows can only arrive after the history snapshot is fetched, which runs in
 * parallel with this load. So the page's first-load JS holds the UI and React, and a tab
 * that never mounts the dashboard never loads the feed (issue 16).
 */
export const feedRuntime = { carryOver, createHistoryClient, parseHistoryPage, createMonitoringFeed, createBrowserTransports };
export type FeedRuntime = typeof feedRuntime;
