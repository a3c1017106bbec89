import type { MonitoringEvent, Stream } from '@/lib/monitoring/model';
import { decideRetry, type RetryDecision, type RetryPolicy } from '@/lib/monitoring/retry-policy';
import type { Transport, TransportSession } from '@/lib/monitoring/transport';
import { failure, type TransportFailure } from '@/lib/monitoring/transport-failure';

export type RunnerPhase = 'idle' | 'connecting' | 'live' | 'backoff' | 'stopped';

export interface TransportRunnerOptions {
  transport: Transport;
  retry: RetryPolicy;
  /** Budget from `connect` to confirmed live; past it the session is abandoned as `subscribe_timeout`. */
  liveTimeoutMs: number;
  random?: () => number;
  resumeFrom(): Partial<Record<Stream, number>>;
  onEvent(event: MonitoringEvent): void;
  onInvalid(reason: string): void;
  onGap(stream: Stream, afterId: number, untilId: number | null): void;
  /** Each time a session reaches live (`reconnect` is false only for the first). */
  onLive(reconnect: boolean): void;
  onFailure(failure: TransportFailure, decision: RetryDecision): void;
  onPhase(phase: RunnerPhase): void;
}

/** Keeps one transport connected: a session at a time, retried per the policy. */
export interface TransportRunner {
  start(): void;
  stop(): void;
  /** Skips a pending backoff (e.g. the browser came back online). */
  retryNow(): void;
  /** Asks the live session to prove it is alive (the tab is visible again); see `TransportSession.checkAlive`. */
  checkAlive(): void;
  phase(): RunnerPhase;
}

export function createTransportRunner(options: TransportRunnerOptions): TransportRunner {
  let phase: RunnerPhase = 'idle';
  let session: TransportSession | null = null;
  let generation = 0;
  let attempt = 0;
  let everLive = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const setPhase = (next: RunnerPhase) => {
    if (next === phase) return;
    phase = next;
    options.onPhase(next);
  };

  function connect() {
    clearTimeout(timer);
    const current = ++generation;
    const stale = () => current !== generation;
    setPhase('connecting');
    timer = setTimeout(() => fail(failure('subscribe_timeout', `no confirmed subscription within ${options.liveTimeoutMs} ms`)), options.liveTimeoutMs);
    try {
      session = openSession(stale);
    } catch (error) {
      // A constructor that throws (bad URL, blocked socket) is a failed attempt like any other.
      fail(failure('network', `cannot open the ${options.transport.kind} transport: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  function openSession(stale: () => boolean): TransportSession {
    return options.transport.connect(
      {
        onEvent: (event) => !stale() && options.onEvent(event),
        onInvalid: (reason) => !stale() && options.onInvalid(reason),
        onGap: (stream, afterId, untilId) => !stale() && options.onGap(stream, afterId, untilId),
        onLive() {
          if (stale() || phase === 'live') return;
          clearTimeout(timer);
          attempt = 0;
          setPhase('live');
          options.onLive(everLive);
          everLive = true;
        },
        onClosed: (reason) => !stale() && fail(reason),
      },
      { resumeFrom: options.resumeFrom() },
    );
  }

  function fail(reason: TransportFailure) {
    clearTimeout(timer);
    generation += 1;
    session?.close();
    session = null;
    attempt += 1;
    const decision = decideRetry(options.retry, reason, attempt, options.random);
    setPhase(decision.retry ? 'backoff' : 'stopped');
    options.onFailure(reason, decision);
    if (decision.retry && phase === 'backoff') timer = setTimeout(connect, decision.delayMs);
  }

  return {
    start() {
      if (phase === 'idle' || phase === 'stopped') connect();
    },
    stop() {
      clearTimeout(timer);
      generation += 1;
      session?.close();
      session = null;
      attempt = 0;
      setPhase('idle');
    },
    retryNow() {
      if (phase === 'backoff') connect();
    },
    checkAlive() {
      // Only a session is checked: a pending backoff keeps its policy (a slow retry stays slow).
      session?.checkAlive?.();
    },
    phase: () => phase,
  };
}
