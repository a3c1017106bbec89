/**
 * `npm run bench -- realtime-faults`: failure modes 1–5 of issue 14 (docs/runbook.md §12), each
 * produced by the local Realtime server's fault switches against the dashboard's feed over the
 * official supabase-js (fault-rig: throwaway Postgres, history route in-process). Per mode,
 * ≥ 10 runs: time from the fault to the viewer being told (detect) and to live again with every
 * row rendered (recover), and rows lost / doubled after recovery (targets 0).
 */
import { loadavg } from 'node:os';
import type { MonitoringFeed } from '../lib/monitoring/monitoring-feed.js';
import { waitUntil } from '../test-support/monitoring/wait-until.js';
import type { FaultRig } from '../test-support/realtime/fault-rig.js';
import { failedWith, live, reconnectedLive } from '../test-support/realtime/fault-waits.js';
import { round, type BenchModule, type BenchRow } from './harness.js';
import { percentile } from '../lib/stats/percentile.js';
import { registerServerOnlyStub } from './support/server-only-stub.js';

const RUNS = 10;
const TABLE = 'Realtime failure modes (fault → viewer told → live again with every row)';
/** The snapshot is published at most this often here (the app: 100 ms visible); waits poll every 10 ms: times are within ~20 ms. */
const PUBLISH_MS = 10;

interface Run {
  detectMs: number;
  recoverMs: number;
  lost: number;
  duplicated: number;
}

interface Scenario {
  name: string;
  note: string;
  /** One run on a fresh viewer: injects the fault, resolves with its times. */
  run(rig: FaultRig): Promise<Run>;
}

const notLive = (feed: MonitoringFeed) => waitUntil(() => feed.getSnapshot().status !== 'live', 'the feed to leave live', 20_000);

/** A viewer live with two rows rendered, ready for a fault. */
async function liveViewer(rig: FaultRig, client: Parameters<FaultRig['client']>[0] = {}) {
  return rig.settledFeed(await rig.client(client), { limits: { visibleIntervalMs: PUBLISH_MS } }, 20_000);
}

/** Rows written during the fault; then live again with the rendered rows equal to the table. */
async function recovered(rig: FaultRig, feed: MonitoringFeed, t0: number, detectedAt: number): Promise<Run> {
  await reconnectedLive(feed, 1, 20_000);
  await rig.renderedEqualsTable(feed, 20_000).catch(() => undefined);
  const recoveredAt = performance.now();
  const { lost, duplicated } = await rig.compare(feed);
  return { detectMs: detectedAt - t0, recoverMs: recoveredAt - t0, lost, duplicated };
}

const HEARTBEAT_MS = 1_000;

const SCENARIOS: Scenario[] = [
  {
    name: '1 · background tab (timers throttled)',
    note: 'hidden 1.2 s with no heartbeat (60 s stands in for throttled timers), socket silent; detect from the return to view',
    async run(rig) {
      const feed = rig.feed(await rig.client({ heartbeatIntervalMs: 60_000 }), { limits: { visibleIntervalMs: PUBLISH_MS }, transport: { staleAfterMs: 1_000 } });
      await live(feed, 20_000);
      feed.setVisible(false);
      rig.server.realtime.faults.halfOpenConnections();
      await rig.insertMetrics(3);
      const hiddenAt = Date.now();
      await waitUntil(() => Date.now() - hiddenAt > 1_200, 'the time away', 5_000);
      const t0 = performance.now();
      feed.setVisible(true);
      await failedWith(feed, 'heartbeat_timeout', 20_000);
      return recovered(rig, feed, t0, performance.now());
    },
  },
  {
    name: '2 · half-open socket',
    note: `heartbeat ${HEARTBEAT_MS} ms (app default 25 s: detect scales with it, ≤ 2 intervals)`,
    async run(rig) {
      const feed = await liveViewer(rig, { heartbeatIntervalMs: HEARTBEAT_MS });
      const t0 = performance.now();
      rig.server.realtime.faults.halfOpenConnections();
      await rig.insertMetrics(3);
      await failedWith(feed, 'heartbeat_timeout', 20_000);
      return recovered(rig, feed, t0, performance.now());
    },
  },
  {
    name: '3 · token expiry (stale JWT)',
    note: 'from the token’s exp; 2 s tokens, then fresh ones from the session',
    async run(rig) {
      let seconds = 2;
      let lastExpMs = 0;
      const feed = await liveViewer(rig, {
        tokenSeconds: () => {
          if (seconds === 2) lastExpMs = (Math.floor(Date.now() / 1000) + seconds) * 1000;
          return seconds;
        },
      });
      seconds = 3_600;
      await failedWith(feed, 'token_expired', 20_000);
      const detectedAt = performance.now();
      // exp in wall-clock ms → the same instant on the performance clock.
      const t0 = detectedAt - (Date.now() - lastExpMs);
      await rig.insertMetrics(3);
      return recovered(rig, feed, t0, detectedAt);
    },
  },
  {
    name: '4 · CHANNEL_ERROR loop (3 joins refused)',
    note: 'socket dropped, then 3 refusals; fresh socket after 2',
    async run(rig) {
      const feed = await liveViewer(rig);
      rig.server.realtime.faults.refuseJoins(3);
      const t0 = performance.now();
      rig.server.realtime.faults.dropConnections();
      await notLive(feed);
      const detectedAt = performance.now();
      await rig.insertMetrics(3);
      return recovered(rig, feed, t0, detectedAt);
    },
  },
  {
    name: '5 · premature SUBSCRIBED (ready 1 s late)',
    note: 'detect = rejoined → live on readiness; rows written in the window filled',
    async run(rig) {
      const feed = await liveViewer(rig);
      const { faults } = rig.server.realtime;
      faults.delayDatabaseReady(1_000);
      faults.dropConnections();
      await notLive(feed);
      await waitUntil(() => rig.server.realtime.stats().channels === 1, 'the rejoin', 20_000);
      const t0 = performance.now();
      await rig.insertMetrics(3);
      await live(feed, 20_000);
      const detectedAt = performance.now();
      faults.delayDatabaseReady(0);
      return recovered(rig, feed, t0, detectedAt);
    },
  },
];

function row(scenario: Scenario, runs: Run[], load: string): BenchRow {
  const detect = runs.map((run) => run.detectMs);
  const recover = runs.map((run) => run.recoverMs);
  return {
    table: TABLE,
    name: scenario.name,
    metrics: {
      runs: runs.length,
      'detect p50 ms': round(percentile(detect, 50), 0),
      'detect max ms': round(percentile(detect, 100), 0),
      'recover p50 ms': round(percentile(recover, 50), 0),
      'recover max ms': round(percentile(recover, 100), 0),
      lost: runs.reduce((sum, run) => sum + run.lost, 0),
      duplicated: runs.reduce((sum, run) => sum + run.duplicated, 0),
      load,
    },
    note: `${scenario.note}; targets: lost 0, duplicated 0`,
  };
}

export const realtimeFaultsBench: BenchModule = {
  id: 'realtime-faults',
  title: 'Realtime failure modes: detection, recovery, loss (issue 14)',
  async run() {
    registerServerOnlyStub();
    const { startFaultRig } = await import('../test-support/realtime/fault-rig.js');
    const rig = await startFaultRig();
    const rows: BenchRow[] = [];
    try {
      for (const scenario of SCENARIOS) {
        const before = round(loadavg()[0] ?? 0, 1);
        const runs: Run[] = [];
        for (let index = 0; index < RUNS; index += 1) {
          try {
            runs.push(await scenario.run(rig));
          } finally {
            rig.server.realtime.faults.clear();
            await rig.reset();
            rig.server.realtime.faults.dropConnections();
          }
        }
        rows.push(row(scenario, runs, `${before}→${round(loadavg()[0] ?? 0, 1)}`));
        console.log(`realtime-faults: ${scenario.name} done`);
      }
    } finally {
      await rig.close();
    }
    return rows;
  },
};
