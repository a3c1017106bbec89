import { overall, type GateResult } from '../../lib/validation/engine/gates.js';
import type { ValidationReport } from '../../lib/validation/store/report.js';

/** The verdict's exit code: 0 pass, 1 a gate fails, 2 not decided yet (waiting for data, or inconclusive). Never a pass by default. */
const EXIT = { pass: 0, fail: 1, wait: 2, inconclusive: 2 } as const;
const SAYS = { pass: 'PASS', fail: 'FAIL', wait: 'WAIT (not enough data yet; not a pass)', inconclusive: 'INCONCLUSIVE (inside the bounds; not a pass — the gate runner pauses for a human if it stays so)' } as const;

/** The verdict table and exit code, from the one verdict rule (`overall`). */
export function formatVerdict(report: ValidationReport): { text: string; exitCode: 0 | 1 | 2 } {
  const gates = report.gates;
  const width = (key: keyof GateResult) => Math.max(key.length, ...gates.map((g) => String(g[key] ?? '').length));
  const row = (cells: string[], widths: number[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  const widths = [width('gate'), width('status'), width('value'), width('threshold')];
  const verdict = overall(gates);
  const lines = [
    `Switchyard validation · stage ${report.stage} (rolls out ${report.strategy}) · since ${report.query.since}${report.query.cohort ? ` · cohort ${report.query.cohort}` : ''}`,
    '',
    row(['gate', 'status', 'value', 'threshold'], widths),
    row(widths.map((w) => '-'.repeat(w)), widths),
    ...gates.map((g) => row([g.gate, g.status.toUpperCase(), g.value, g.threshold], widths)),
    '',
    `verdict: ${SAYS[verdict]}`,
    '',
    'lanes (probe): consistency · latency p50 / p99 · msgs/s per viewer',
    ...report.lanes.map((l) => {
      const ms = (x: number | null) => (x === null ? '–' : `${x.toFixed(1)} ms`);
      const consistency = l.probe.consistency === null ? 'no data' : `${l.probe.consistency.toFixed(3)} % (n = ${l.probe.compared})`;
      return `  ${l.lane.padEnd(16)} ${consistency} · ${ms(l.probe.p50Ms)} / ${ms(l.probe.p99Ms)} · ${l.messagesPerViewer.toFixed(1)}${l.rolledOut ? '  ← rolled out, gated' : ''}`;
    }),
    '',
  ];
  return { text: lines.join('\n'), exitCode: EXIT[verdict] };
}
