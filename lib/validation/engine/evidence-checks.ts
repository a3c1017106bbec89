import type { RealtimeStrategy, TransportKind } from '@/contracts/transports';
import type { Cohort } from '@/lib/rollout/config';
import { feedPlan } from '@/lib/rollout/feed-plan';
import type { Lane, SampleBatch } from '@/contracts/samples';
import { strategyLane } from '@/lib/validation/engine/strategy-lane';

/**
 * What an observer can plausibly have seen, checked before a batch is stored. Observers
 * are signed-in users, not trusted instruments: a batch that claims what its caller could
 * not have observed is refused whole (422, naming the field) and counted per caller.
 * Pure: the route supplies the facts it looked up.
 */
export class ImplausibleEvidence extends Error {
  constructor(
    readonly code: 'wrong_cohort' | 'wrong_lane' | 'wrong_strategy' | 'implausible_errors' | 'implausible_time' | 'unknown_event',
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ImplausibleEvidence';
  }
}

/** The probe's lanes: both legacy subscriptions (control and noise baseline) and Realtime compared beside them. */
const PROBE_LANES: Record<TransportKind, readonly Lane[]> = { legacy: ['primary', 'baseline'], realtime: ['shadow'] };

/** The lanes a dashboard of this cohort opens on a transport — the dashboard's own feed plan, with the legacy feed as it was lately. */
export function allowedLanes(cohort: SampleBatch['cohort'], transport: TransportKind, legacyStates: ReadonlySet<boolean> = new Set([true, false])): readonly Lane[] {
  if (cohort === 'probe') return PROBE_LANES[transport];
  return [...legacyStates].flatMap((legacyAvailable) => {
    const plan = feedPlan(cohort, legacyAvailable);
    return (['primary', 'shadow', 'fallback'] as const).filter((lane) => plan[lane] === transport);
  });
}

/** Server-clock slack for a browser's clock-offset estimate. */
export const CLOCK_SLACK_MS = 5_000;
/** A tab may have been live this long before its first report (hidden-tab timers run rarely). */
const FIRST_REPORT_SLACK_MS = 5 * 60_000;
/**
 * Session failures are separated by a retry delay (≥ 100 ms in the default policy) and a
 * connect attempt; more than this many per second and transport is not a real client.
 */
export const MAX_ERRORS_PER_SECOND = 5;
const ERROR_ALLOWANCE = 10;
/**
 * Per user, all tabs together, per transport and rolling minute: a failing transport retries
 * with backoff (≈ 8 attempts a minute per lane at the default policy), so a few tabs with a
 * few lanes stay far below this; fresh observer ids do not buy a fresh allowance.
 */
export const SUBJECT_ERRORS_PER_MINUTE = 60;

export interface ObserverFacts {
  /** The caller's subject: a user id, or `probe` for the service role. */
  subject: string;
  /** Cohorts the caller has been in within the last minute (current config and recent ones). */
  cohorts: ReadonlySet<Cohort | 'probe'>;
  /** Whether the legacy feed ran, in those configs (what decides a dashboard's lanes). */
  legacyStates: ReadonlySet<boolean>;
  /** The Realtime strategies the server gave the caller in those configs (the probe: every one, it observes both). */
  strategies: ReadonlySet<RealtimeStrategy>;
  /** The stored observer, when this id has reported before. */
  previous: { subject: string; firstSeenMs: number; lastBatchMs: number } | null;
  /** Session failures the subject's observers reported in the last minute. */
  recentErrors: { legacy: number; realtime: number };
  nowMs: number;
  /** The probe: its budget is not a browser user's. */
  trusted: boolean;
}

/** A Realtime lane must be one the server put the caller on; a legacy lane names no strategy. */
function checkStrategy(item: SampleBatch['samples'][number] | SampleBatch['coverage'][number], field: string, facts: ObserverFacts): void {
  if (item.transport === 'legacy') {
    if (item.strategy !== undefined) throw new ImplausibleEvidence('wrong_strategy', field, 'a legacy delivery has no Realtime strategy');
    return;
  }
  const claimed = strategyLane(item);
  if (claimed && !facts.strategies.has(claimed)) {
    throw new ImplausibleEvidence('wrong_strategy', field, `you are not on the ${claimed} strategy (now: ${[...facts.strategies].join(', ') || 'none'})`);
  }
}

export function checkBatchPlausibility(batch: SampleBatch, facts: ObserverFacts): void {
  const { nowMs } = facts;
  if (!facts.cohorts.has(batch.cohort)) {
    throw new ImplausibleEvidence('wrong_cohort', 'cohort', `you are not in the ${batch.cohort} cohort (now: ${[...facts.cohorts].join(', ') || 'none'})`);
  }
  const firstSeen = facts.previous?.firstSeenMs ?? nowMs;
  const sinceLast = Math.max(0, nowMs - (facts.previous?.lastBatchMs ?? nowMs)) / 1000;
  const maxErrors = Math.ceil(ERROR_ALLOWANCE + MAX_ERRORS_PER_SECOND * Math.min(sinceLast, 600));
  for (const transport of ['legacy', 'realtime'] as const) {
    if (batch.errors[transport] > maxErrors) {
      throw new ImplausibleEvidence('implausible_errors', `errors.${transport}`, `${batch.errors[transport]} session failures since the last report ${sinceLast.toFixed(0)} s ago are more than a client can have (≤ ${maxErrors})`);
    }
    if (!facts.trusted && facts.recentErrors[transport] + batch.errors[transport] > SUBJECT_ERRORS_PER_MINUTE) {
      throw new ImplausibleEvidence('implausible_errors', `errors.${transport}`, `more than ${SUBJECT_ERRORS_PER_MINUTE} session failures a minute from one user's tabs together`);
    }
  }
  const split = batch.errors.strategies;
  if (split) {
    for (const strategy of Object.keys(split) as Array<keyof typeof split>) {
      if (!facts.strategies.has(strategy)) throw new ImplausibleEvidence('wrong_strategy', `errors.strategies.${strategy}`, `you are not on the ${strategy} strategy`);
    }
    const sum = Object.values(split).reduce((total, n) => total + (n ?? 0), 0);
    if (sum !== batch.errors.realtime) throw new ImplausibleEvidence('implausible_errors', 'errors.strategies', `the Realtime errors per strategy add up to ${sum}, not ${batch.errors.realtime}`);
  }
  const latest = nowMs + CLOCK_SLACK_MS;
  const earliest = firstSeen - FIRST_REPORT_SLACK_MS;
  batch.coverage.forEach((coverage, i) => {
    if (!allowedLanes(batch.cohort, coverage.transport, facts.legacyStates).includes(coverage.lane)) throw new ImplausibleEvidence('wrong_lane', `coverage[${i}].lane`, `a ${batch.cohort} observer has no ${coverage.transport} ${coverage.lane} lane`);
    checkStrategy(coverage, `coverage[${i}].strategy`, facts);
    if (coverage.from < earliest) throw new ImplausibleEvidence('implausible_time', `coverage[${i}].from`, 'before this observer first reported');
    if (coverage.from > latest || (coverage.to !== null && coverage.to > latest)) throw new ImplausibleEvidence('implausible_time', `coverage[${i}]`, 'in the future');
  });
  if (batch.seen_through !== undefined && batch.seen_through > latest) throw new ImplausibleEvidence('implausible_time', 'seen_through', 'in the future');
  batch.samples.forEach((sample, i) => {
    if (!allowedLanes(batch.cohort, sample.transport, facts.legacyStates).includes(sample.lane)) throw new ImplausibleEvidence('wrong_lane', `samples[${i}].lane`, `a ${batch.cohort} observer has no ${sample.transport} ${sample.lane} lane`);
    checkStrategy(sample, `samples[${i}].strategy`, facts);
    if (sample.emitted_at > latest || sample.received_at > latest) throw new ImplausibleEvidence('implausible_time', `samples[${i}].received_at`, 'in the future');
    if (sample.received_at < sample.emitted_at - CLOCK_SLACK_MS) throw new ImplausibleEvidence('implausible_time', `samples[${i}].received_at`, 'received before the event was emitted');
  });
}

/**
 * Which strategy's lane each Realtime error counts against: as the observer split them; else
 * on the one strategy this batch's Realtime lanes name (a viewer's tab has one at a time);
 * else on `current`, the server's decision for the caller now.
 */
export function errorsByStrategy(batch: SampleBatch, current: RealtimeStrategy): Partial<Record<RealtimeStrategy, number>> {
  if (batch.errors.strategies) return batch.errors.strategies;
  if (batch.errors.realtime === 0) return {};
  const named = new Set([...batch.samples, ...batch.coverage].map(strategyLane).filter((s) => s !== null));
  const only = named.size === 1 ? [...named][0] : undefined;
  return { [only ?? current]: batch.errors.realtime };
}

/** A stored event as the source of truth knows it. */
export interface StoredIdentity {
  eventId: string;
  stream: string;
  id: number;
  emittedMs: number;
}

/** Every sample must name an event that exists, with that event's id, stream and emission time. */
export function checkEventIdentity(batch: SampleBatch, stored: ReadonlyMap<string, StoredIdentity>): void {
  batch.samples.forEach((sample, i) => {
    const event = stored.get(sample.event_id);
    if (!event) throw new ImplausibleEvidence('unknown_event', `samples[${i}].event_id`, 'no such event was ever stored');
    if (event.stream !== sample.stream || event.id !== sample.id) throw new ImplausibleEvidence('unknown_event', `samples[${i}].id`, `event ${sample.event_id} is ${event.stream} #${event.id}`);
    // Emission times are stored with µs; the sample carries whole ms.
    if (Math.abs(event.emittedMs - sample.emitted_at) > 1) throw new ImplausibleEvidence('unknown_event', `samples[${i}].emitted_at`, 'not the event’s emission time');
  });
}
