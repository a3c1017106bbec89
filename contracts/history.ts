/**
 * The history API's largest page (`GET /api/monitoring/events?limit=`): the route refuses more
 * (lib/event-history/history-query.ts) and the browser never asks for more
 * (lib/monitoring/history-client.ts, the snapshot key of use-latest-events). A module of its
 * own so the page's first load can build a key without the history parser.
 */
export const MAX_HISTORY_LIMIT = 1_000;
