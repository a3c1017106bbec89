import { round } from '../harness.js';
import type { StepMeasurement } from './transport-rig.js';

const pct = (share: number) => (Number.isFinite(share) ? `${Math.round(100 * share)} %` : '–');

/** The columns every transport step reports, in one order, so Realtime and legacy rows line up. */
export function stepMetrics(step: StepMeasurement): Record<string, string | number> {
  return {
    missing: step.missing,
    duplicates: step.duplicates,
    'p50 ms': round(step.latency.p50, 1),
    'p99 ms': round(step.latency.p99, 1),
    'max ms': round(step.latency.max, 1),
    'probe p99 ms': step.probeLatency.n > 0 ? round(step.probeLatency.p99, 1) : '–',
    'server CPU': pct(step.cpu.server),
    // CPU time, not wall time: it holds when the machine is shared, unlike the latencies.
    'server µs/delivery': step.deliveries > 0 ? round((1e6 * step.cpu.server * step.wallS) / step.deliveries, 2) : '–',
    // Busy far above CPU: the server had work but waited for a core.
    'server loop busy': pct(step.serverLoopBusy),
    'server GC': pct(step.serverGc),
    'server RSS MB': Math.round(step.serverRssMb),
    'load clients CPU': step.cpu.load.map(pct).join(' + ') || '–',
    'probe CPU': step.probeLatency.n > 0 || step.cpu.probe > 0 ? pct(step.cpu.probe) : '–',
    'writer CPU': pct(step.cpu.writer),
    'Postgres CPU': pct(step.cpu.postgres),
    'machine busy': pct(step.machineBusy),
    steal: pct(step.machineSteal),
  };
}
