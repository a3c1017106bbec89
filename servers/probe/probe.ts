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
import { REALTIME_STRATEGIES, type RealtimeStrategy } from '../../contracts/transports.js';
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
  onLog?: (line: string) => void;
}

export interface Probe {
  /** Per lane (`legacy`, `legacy-baseline`, `realtime:postgres_changes`, `realtime:broadcast`): its phase and deliveries. */
  stats(): { lanes: Record<string, { phase: string; events: number }>; sampler: ReturnType<ReturnType<typeof createSampler>['stats']> };
  close(): Promise<void>;
}

/**
 * The headless observer: subscribes to the legacy feed (twice, for the noise baseline) and
 * to Realtime once per strategy — postgres_changes and broadcast side by side — with the
 * official clients, and reports every delivery as a validation sample (each Realtime one
 * naming its strategy), so validation never depends on someone having a tab open and each
 * strategy has a trusted lane before any viewer is on it. The gates judge the lane of the
 * strategy being rolled out.
 */
export async function startProbe(options: ProbeOptions): Promise<Probe> {
  let token = await mintProbeToken(options.jwtSecret);
  const refresh = setInterval(() => {
    void mintProbeToken(options.jwtSecret).then((next) => {
      token = next;
    });
  }, 30 * 60_000);
  const supabase = createNodeSupabase(options.supabaseUrl, options.anonKey, async () => token);
  const errors: Record<TransportKind, number> & { strategies: Record<RealtimeStrategy, number> } = { legacy: 0, realtime: 0, strategies: { postgres_changes: 0, broadcast: 0 } };
  const sampler = createSampler({
    observer: `probe-${hostname().replace(/[^A-Za-z0-9_-]/g, '').slice(0, 20)}-${process.pid}`,
    cohort: 'probe',
    browser: 'node',
    clockOffsetMs: () => 0,
    errors: () => ({ ...errors, strategies: { ...errors.strategies } }),
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
  const realtimeBy: Record<RealtimeStrategy, Transport> = {
    postgres_changes: createRealtimeTransport({ client: supabase, topic: 'switchyard-probe', getAccessToken: async () => token }),
    broadcast: createRealtimeTransport({ client: supabase, getAccessToken: async () => token, strategy: 'broadcast' }),
  };
  const legacy = () => createLegacyTransport({ url: options.legacyWsUrl, WebSocket: WebSocket as unknown as SocketConstructor, getAccessToken: async () => token });
  const lanes: Array<{ name: string; lane: Lane; transport: Transport; strategy?: RealtimeStrategy }> = [
    { name: 'legacy', lane: 'primary', transport: legacy() },
    ...REALTIME_STRATEGIES.map((strategy) => ({ name: `realtime:${strategy}`, lane: 'shadow' as Lane, transport: realtimeBy[strategy], strategy })),
    ...(options.baseline === false ? [] : [{ name: 'legacy-baseline', lane: 'baseline' as Lane, transport: legacy() }]),
  ];
  const counts: Record<string, number> = {};
  const runners: Array<{ name: string; runner: TransportRunner }> = lanes.map(({ name, lane, transport, strategy }) => {
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
        sampler.record(event, lane, strategy);
      },
      onInvalid: (reason) => options.onLog?.(`probe: ${name} dropped an invalid frame: ${reason}`),
      onGap: () => {},
      onLive(reconnect) {
        sampler.laneLive(transport.kind, lane, strategy);
        options.onLog?.(`probe: ${name} ${reconnect ? 're' : ''}connected`);
      },
      onFailure(failure) {
        sampler.laneDown(transport.kind, lane, failure.lastAliveAt, strategy);
        errors[transport.kind] += 1;
        if (strategy) errors.strategies[strategy] += 1;
        options.onLog?.(`probe: ${name} failed (${failure.kind}: ${failure.message}); retrying`);
      },
      onPhase: (phase) => phase === 'idle' && sampler.laneDown(transport.kind, lane, undefined, strategy),
    });
    runner.start();
    return { name, runner };
  });

  return {
    stats: () => ({ lanes: Object.fromEntries(runners.map(({ name, runner }) => [name, { phase: runner.phase(), events: counts[name] ?? 0 }])), sampler: sampler.stats() }),
    async close() {
      clearInterval(refresh);
      for (const { runner } of runners) runner.stop();
      await sampler.stop();
      await supabase.removeAllChannels();
      supabase.realtime.disconnect();
    },
  };
}
