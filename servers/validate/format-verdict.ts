import type { GateResult } from '../../lib/migration/gates.js';
import type { ValidationReport } from '../../lib/validation/report.js';

/** The verdict table and exit code: 0 pass, 1 any gate fails, 2 a gate still waits for data. */
export function formatVerdict(report: ValidationReport): { text: string; exitCode: 0 | 1 | 2 } {
  const gates = report.gates;
  const width = (key: keyof GateResult) => Math.max(key.length, ...gates.map((g) => String(g[key] ?? '').length));
  const row = (cells: string[], widths: number[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  const widths = [width('gate'), width('status'), width('value'), width('threshold')];
  const exitCode = gates.some((g) => g.status === 'fail') ? 1 : gates.some((g) => g.status === 'wait') ? 2 : 0;
  const lines = [
    `Switchyard validation · stage ${report.stage} · since ${report.query.since}${report.query.cohort ? ` · cohort ${report.query.cohort}` : ''}`,
    '',
    row(['gate', 'status', 'value', 'threshold'], widths),
    row(widths.map((w) => '-'.repeat(w)), widths),
    ...gates.map((g) => row([g.gate, g.status.toUpperCase(), g.value, g.threshold], widths)),
    '',
    exitCode === 0 ? 'verdict: PASS' : exitCode === 1 ? 'verdict: FAIL' : 'verdict: WAIT (not enough data yet; not a pass)',
    '',
  ];
  return { text: lines.join('\n'), exitCode };
}
