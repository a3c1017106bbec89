import { assertNever } from '@/lib/assert-never';
import type { MonitoringEvent, Stream, TransportKind } from '@/lib/monitoring/model';
import type { RetryDecision, RetryPolicy } from '@/lib/monitoring/retry-policy';
import type { Transport } from '@/lib/monitoring/transport';
import type { TransportFailure } from '@/lib/monitoring/transport-failure';
import { createTransportRunner, type RunnerPhase } from '@/lib/monitoring/transport-runner';

/** The feed's lanes: the serving transport, the fallback serving in its place, the compared shadow. */
export type LaneRole = 'primary' | 'fallback' | 'shadow';
export type ServingRole = Exclude<LaneRole, 'shadow'>;

/** A session of a lane reached live (confirmed by its server), or the lane's session ended. */
export interface LaneLiveChange {
  lane: LaneRole;
  transport: TransportKind;
  live: boolean;
  /** Going down after a failure: the session's last sign of life (client clock), when the transport knows it. */
  lastAliveAt?: number;
}

/** What the feed offers every lane; each role uses its part (see `roleHooks`). */
export interface LaneHost {
  /** An event from a serving lane, in arrival order: to the ordered streams. */
  serve(event: MonitoringEvent, lane: ServingRole): void;
  /** An event from the shadow lane: compared, never rendered. */
  compare(event: MonitoringEvent): void;
  /** Per stream, the highest id delivered (what a resuming session may skip). */
  resumeFrom(): Partial<Record<Stream, number>>;
  /** The server cannot replay what a serving lane missed: fill it from history. */
  fill(stream: Stream, untilId: number | null): void;
  /** A serving session reached live: catch up on what the subscribe window may have missed. */
  catchUp(): void;
  failed(kind: TransportKind, reason: TransportFailure, role: LaneRole): void;
  invalid(): void;
  /** Once per change: a session of the lane reached live, or it ended (failure, stop). */
  laneChanged(change: LaneLiveChange): void;
  /** Anything the snapshot shows may have changed. */
  changed(): void;
}

/** How the primary lane drives the feed's state machine (no other lane does). */
export interface PrimarySignals {
  live(): void;
  failed(reason: TransportFailure, decision: RetryDecision): void;
}

interface LaneCommon {
  transport: Transport;
  host: LaneHost;
  retry: RetryPolicy;
  liveTimeoutMs: number;
  random?: () => number;
}
export type LaneRunnerOptions = LaneCommon & ({ role: 'primary'; primary: PrimarySignals } | { role: 'fallback' | 'shadow' });

/** One transport kept connected (one session at a time, retried per the policy) for one role of the feed. */
export interface LaneRunner {
  readonly role: LaneRole;
  readonly kind: TransportKind;
  start(): void;
  stop(): void;
  /** Skips a pending backoff (e.g. the browser came back online). */
  retryNow(): void;
  checkAlive(): void;
  phase(): RunnerPhase;
}

interface RoleHooks {
  resumeFrom(): Partial<Record<Stream, number>>;
  onEvent(event: MonitoringEvent): void;
  onGap(stream: Stream, untilId: number | null): void;
  onLive(): void;
  onFailure(reason: TransportFailure, decision: RetryDecision): void;
}

/** The one place the roles differ: where events go, what a session resumes from, who hears of live and failure. */
function roleHooks(options: LaneRunnerOptions): RoleHooks {
  const { host } = options;
  const serving = (role: ServingRole): RoleHooks => ({
    resumeFrom: host.resumeFrom,
    onEvent: (event) => host.serve(event, role),
    onGap: host.fill,
    onLive: host.catchUp,
    onFailure: (reason) => host.failed(options.transport.kind, reason, role),
  });
  switch (options.role) {
    case 'primary': {
      const { primary } = options;
      const base = serving('primary');
      return {
        ...base,
        onLive() {
          primary.live();
          base.onLive();
        },
        onFailure(reason, decision) {
          base.onFailure(reason, decision);
          primary.failed(reason, decision);
        },
      };
    }
    case 'fallback':
      return serving('fallback');
    case 'shadow':
      // Compared from its own live point on: nothing to resume, nothing to fill, no catch-up.
      return {
        resumeFrom: () => ({}),
        onEvent: host.compare,
        onGap: () => {},
        onLive: () => {},
        onFailure: (reason) => host.failed(options.transport.kind, reason, 'shadow'),
      };
    default:
      return assertNever(options, 'lane role');
  }
}

export function createLaneRunner(options: LaneRunnerOptions): LaneRunner {
  const { host, role, transport } = options;
  const hooks = roleHooks(options);
  let live = false;
  const report = (next: boolean, lastAliveAt?: number) => {
    // A runner stopped while not live (never started, or already down) has nothing to report.
    if (live === next) return;
    live = next;
    host.laneChanged({ lane: role, transport: transport.kind, live: next, ...(lastAliveAt === undefined ? {} : { lastAliveAt }) });
  };

  const runner = createTransportRunner({
    transport,
    retry: options.retry,
    liveTimeoutMs: options.liveTimeoutMs,
    random: options.random,
    resumeFrom: hooks.resumeFrom,
    onEvent: hooks.onEvent,
    onInvalid() {
      host.invalid();
      host.changed();
    },
    onGap: (stream, _afterId, untilId) => hooks.onGap(stream, untilId),
    onLive() {
      report(true);
      hooks.onLive();
      host.changed();
    },
    onFailure(reason, decision) {
      report(false, reason.lastAliveAt);
      hooks.onFailure(reason, decision);
      host.changed();
    },
    onPhase(phase) {
      if (phase === 'idle') report(false);
      host.changed();
    },
  });

  return { role, kind: transport.kind, start: runner.start, stop: runner.stop, retryNow: runner.retryNow, checkAlive: runner.checkAlive, phase: runner.phase };
}
