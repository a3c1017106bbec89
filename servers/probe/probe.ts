import { hostname } from 'node:os';
import WebSocket from 'ws';
import type { MonitoringEvent, Stream, TransportKind } from '../../lib/monitoring/model.js';
import { DEFAULT_RETRY_POLICY } from '../../lib/monitoring/retry-policy.js';
import type { Transport } from '../../lib/monitoring/transport.js';
import { createTransportRunner, type TransportRunner } from '../../lib/monitoring/transport-runner.js';
import { createLegacyTransport } from '../../lib/monitoring/transports/legacy-transport.js';
import type { SocketConstructor } from '../../lib/monitoring/transports/socket-like.js';
import { createRealtimeTransport } from '../../lib/monitoring/transports/realtime-transport.js';
import { createNodeSupabase } from '../../lib/supabase/node-client.js';
import type { SampleBatch } from '../../contracts/samples.js';
import type { RealtimeStrategy } from '../../contracts/transports.js';
import type { RolloutConfig } from '../../lib/rollout/config.js';
import { stageStrategy } from '../../lib/rollout/strategy.js';
import { createSampler, type Lane } from '../../lib/validation/engine/sampler.js';
import { mintProbeToken } from './probe-token.js';

export interface ProbeOptions {
  supabaseUrl: string;
  anonKey: string;
  jwtSecret: string;
  legacyWsUrl: string;
  /** `POST /api/validation/samples` of the app. */
  samplesUrl: string;
  /** Bearer for the samples API: the service-role key (only the probe reports as cohort "probe"). */
  serviceRoleKey: string;
  /** Also subscribe to the legacy feed a second time: the noise baseline (default true). */
  baseline?: boolean;
  /**
   * How often the rollout config is read (`GET /api/rollout/config` next to `samplesUrl`) so the
   * Realtime lane observes the strategy the current stage rolls out (default 10 s; 0: never, postgres_changes).
   */
  strategyPollMs?: number;
  onLog?: (line: string) => void;
}

export interface Probe {
  stats(): { lanes: Record<string, { phase: string; events: number }>; realtimeStrategy: RealtimeStrategy; sampler: ReturnType<ReturnType<typeof createSampler>['stats']> };
  close(): Promise<void>;
}

/**
 * The headless observer: subscribes to both transports (and the legacy feed twice, for
 * the noise baseline) with the official clients and reports every delivery as a
 * validation sample, so validation never depends on someone having a tab open. Its Realtime
 * lane uses the strategy the current stage rolls out (postgres_changes or broadcast), so the
 * gates that rest on the probe judge that strategy; a change of it restarts the lane.
 */
// eslint-disable-next-line max-lines-per-function -- the probe's lanes (legacy, baseline, Realtime) and their reporting share one state; each lane is set up by a short helper.
export async function startProbe(options: ProbeOptions): Promise<Probe> {
  let token = await mintProbeToken(options.jwtSecret);
  const refresh = setInterval(() => {
    void mintProbeToken(options.jwtSecret).then((next) => {
      token = next;
    });
  }, 30 * 60_000);
  const supabase = createNodeSupabase(options.supabaseUrl, options.anonKey, async () => token);
  const errors: Record<TransportKind, number> = { legacy: 0, realtime: 0 };
  const sampler = createSampler({
    observer: `probe-${hostname().replace(/[^A-Za-z0-9_-]/g, '').slice(0, 20)}-${process.pid}`,
    cohort: 'probe',
    browser: 'node',
    clockOffsetMs: () => 0,
    errors: () => ({ ...errors }),
    async send(batch: SampleBatch) {
      const response = await fetch(options.samplesUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.serviceRoleKey}` },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`probe: samples API answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    },
  });
  let strategy: RealtimeStrategy = 'postgres_changes';
  const realtimeBy: Record<RealtimeStrategy, Transport> = {
    postgres_changes: createRealtimeTransport({ client: supabase, topic: 'switchyard-probe', getAccessToken: async () => token }),
    broadcast: createRealtimeTransport({ client: supabase, getAccessToken: async () => token, strategy: 'broadcast' }),
  };
  // Each session uses the strategy current when it connects.
  const realtimeLane: Transport = { kind: 'realtime', connect: (handlers, sessionOptions) => realtimeBy[strategy].connect(handlers, sessionOptions) };
  const legacy = () => createLegacyTransport({ url: options.legacyWsUrl, WebSocket: WebSocket as unknown as SocketConstructor, getAccessToken: async () => token });
  const lanes: Array<{ name: string; lane: Lane; transport: Transport }> = [
    { name: 'legacy', lane: 'primary', transport: legacy() },
    { name: 'realtime', lane: 'shadow', transport: realtimeLane },
    ...(options.baseline === false ? [] : [{ name: 'legacy-baseline', lane: 'baseline' as Lane, transport: legacy() }]),
  ];
  const counts: Record<string, number> = {};
  const runners: Array<{ name: string; runner: TransportRunner }> = lanes.map(({ name, lane, transport }) => {
    const lastIds: Partial<Record<Stream, number>> = {};
    counts[name] = 0;
    const runner = createTransportRunner({
      transport,
      retry: DEFAULT_RETRY_POLICY,
      liveTimeoutMs: 15_000,
      // Resume from the live edge only: the probe samples deliveries, it does not back-fill.
      resumeFrom: () => ({ ...lastIds }),
      onEvent(event: MonitoringEvent) {
        counts[name] = (counts[name] ?? 0) + 1;
        lastIds[event.stream] = Math.max(lastIds[event.stream] ?? 0, event.id);
        sampler.record(event, lane);
      },
      onInvalid: (reason) => options.onLog?.(`probe: ${name} dropped an invalid frame: ${reason}`),
      onGap: () => {},
      onLive(reconnect) {
        sampler.laneLive(transport.kind, lane);
        options.onLog?.(`probe: ${name} ${reconnect ? 're' : ''}connected`);
      },
      onFailure(failure) {
        sampler.laneDown(transport.kind, lane, failure.lastAliveAt);
        errors[transport.kind] += 1;
        options.onLog?.(`probe: ${name} failed (${failure.kind}: ${failure.message}); retrying`);
      },
      onPhase: (phase) => phase === 'idle' && sampler.laneDown(transport.kind, lane),
    });
    runner.start();
    return { name, runner };
  });
  const configUrl = new URL('/api/rollout/config', options.samplesUrl);
  let pollFailing = false;
  const pollStrategy = async () => {
    try {
      const response = await fetch(configUrl, { headers: { authorization: `Bearer ${options.serviceRoleKey}` }, signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`answered ${response.status}`);
      const next = stageStrategy(((await response.json()) as { config: Pick<RolloutConfig, 'stage' | 'strategyByStage'> }).config);
      pollFailing = false;
      if (next === strategy) return;
      strategy = next;
      options.onLog?.(`probe: realtime lane now observes ${next}`);
      const lane = runners.find((entry) => entry.name === 'realtime')?.runner;
      lane?.stop();
      lane?.start();
    } catch (error) {
      if (!pollFailing) options.onLog?.(`probe: cannot read the rollout config (${error instanceof Error ? error.message : String(error)}); keeping ${strategy}`);
      pollFailing = true;
    }
  };
  const pollMs = options.strategyPollMs ?? 10_000;
  const poll = pollMs > 0 ? setInterval(() => void pollStrategy(), pollMs) : undefined;
  poll?.unref();
  if (pollMs > 0) void pollStrategy();

  return {
    stats: () => ({ lanes: Object.fromEntries(runners.map(({ name, runner }) => [name, { phase: runner.phase(), events: counts[name] ?? 0 }])), realtimeStrategy: strategy, sampler: sampler.stats() }),
    async close() {
      clearInterval(refresh);
      clearInterval(poll);
      for (const { runner } of runners) runner.stop();
      await sampler.stop();
      await supabase.removeAllChannels();
      supabase.realtime.disconnect();
    },
  };
}
