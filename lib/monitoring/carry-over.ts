import { STREAMS, type EventsByStream, type MonitoringEvent, type Stream } from '@/lib/monitoring/model';

/**
 * The rows a new feed starts from when the dashboard's transport plan changes under an open
 * page (a cohort move, a rollback, Legacy off): per stream, what the previous feed had
 * rendered, else the page's snapshot. So the new primary resumes after the last row the
 * viewer already has and fills only the seconds of the switch from history — not everything
 * since the page loaded, for every open dashboard at the same moment.
 */
export function carryOver(
  previous: EventsByStream | undefined,
  snapshot: Partial<Record<Stream, readonly MonitoringEvent[]>>,
): Partial<Record<Stream, MonitoringEvent[]>> {
  const rows: Partial<Record<Stream, MonitoringEvent[]>> = {};
  for (const stream of STREAMS) {
    const carried = previous?.[stream];
    const chosen = carried && carried.length > 0 ? carried : snapshot[stream];
    if (chosen) rows[stream] = [...chosen];
  }
  return rows;
}
