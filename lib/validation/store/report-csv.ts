import type { ValidationReport } from '@/lib/validation/store/report';

/** CSV of the per-minute series and the discrepancy log (two sections). */
export function reportCsv(report: ValidationReport): string {
  const esc = (value: unknown) => {
    const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
    return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const lines = ['section,minute,probe_compared,probe_consistency_pct,browser_compared,browser_consistency_pct,legacy_p95_ms,realtime_p95_ms'];
  for (const m of report.minutes) lines.push(['minute', m.minute, m.probe.compared, m.probe.consistency?.toFixed(4), m.browsers.compared, m.browsers.consistency?.toFixed(4), m.legacyP95, m.realtimeP95].map(esc).join(','));
  lines.push('', 'section,lane,rolled_out,probe_compared,probe_consistency_pct,probe_p50_ms,probe_p99_ms,probe_errors,probe_deliveries,browser_users,browser_compared,browser_consistency_pct,msgs_per_viewer_per_s');
  for (const l of report.lanes) {
    const p = l.probe;
    lines.push(['lane', l.lane, l.rolledOut, p.compared, p.consistency?.toFixed(4), p.p50Ms, p.p99Ms, p.errors, p.deliveries, l.browsers.users, l.browsers.compared, l.browsers.consistency?.toFixed(4), l.messagesPerViewer.toFixed(2)].map(esc).join(','));
  }
  lines.push('', 'section,id,minute,kind,stream,event_id,event_seq,cohort,browser,ignored,control,candidate,truth');
  for (const d of report.discrepancies) lines.push(['discrepancy', d.id, d.minute, d.kind, d.stream, d.eventId, d.eventSeq, d.cohort, d.browser, d.ignored, d.control, d.candidate, d.truth].map(esc).join(','));
  return `${lines.join('\n')}\n`;
}
