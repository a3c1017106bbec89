/**
 * The ids a list holds, as compact runs (`"101-180,182-300"`): a hole shows as a break
 * between runs and a repeated id as a run that starts on the previous one's end.
 * Exposed on the dashboard (`data-metric-ids`) so an end-to-end check can compare what
 * the page holds with the database without scraping every chart point.
 */
export function idRuns(events: readonly { id: number }[]): string {
  const runs: string[] = [];
  let start: number | null = null;
  let end = 0;
  for (const { id } of events) {
    if (start !== null && id === end + 1) {
      end = id;
      continue;
    }
    if (start !== null) runs.push(start === end ? `${start}` : `${start}-${end}`);
    start = id;
    end = id;
  }
  if (start !== null) runs.push(start === end ? `${start}` : `${start}-${end}`);
  return runs.join(',');
}
