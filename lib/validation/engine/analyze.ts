import type { Lane } from '@/contracts/samples';
import type { RealtimeStrategy } from '@/contracts/transports';
import { DEFAULT_STRATEGY, strategyLane } from '@/lib/validation/engine/strategy-lane';
import type { ObservedSample } from '@/lib/validation/engine/compare';
import { countOutOfOrder } from '@/lib/validation/engine/compare';
import { emptyHistogram, record } from '@/lib/stats/latency-histogram';

/** An event as the database stores it: the truth every lane should have delivered. */
export interface SourceEvent {
  eventId: string;
  stream: 'cache_metrics' | 'system_events';
  id: number;
  emittedMs: number;
  /** The digest of the stored row, computed the way observers compute theirs. */
  digest: string;
}

export interface CoverageInterval {
  transport: 'legacy' | 'realtime';
  lane: Lane;
  /** Realtime intervals: the strategy of that lane (absent: postgres_changes). */
  strategy?: RealtimeStrategy;
  fromMs: number;
  toMs: number | null;
}

export interface ObserverInfo {
  observer: string;
  subject: string;
  trusted: boolean;
  cohort: string;
  browser: string;
  /** Server clock: the observer vouched for its deliveries up to here. */
  seenThroughMs: number;
  coverage: CoverageInterval[];
}

/**
 * What one observer's evidence says about one event, judged against the stored row:
 * - `matched`: Realtime delivered it live with the stored content (and so did the legacy feed, while it publishes);
 * - `mismatch`: Realtime delivered other content, while the control proved the observer reads this event right;
 * - `missing_candidate`: Realtime did not deliver it while it was live (and, while legacy publishes, legacy did);
 * - `missing_control` / `control_mismatch`: the legacy feed lost or altered it while Realtime was right — a legacy fault, logged, not held against Realtime;
 * - `observer_disagrees`: the observer's Realtime report contradicts the source without a correct control — its evidence is not trusted and counts towards quarantine;
 * - `missed_by_both`: neither lane delivered it although both were live — the observer's own loss, not compared;
 * - `ignored`: a discrepancy an admin's ignore rule covers (logged, not counted).
 */
export type Outcome = 'matched' | 'mismatch' | 'missing_candidate' | 'missing_control' | 'control_mismatch' | 'observer_disagrees' | 'missed_by_both' | 'ignored';
export const DISCREPANCY_KINDS = ['mismatch', 'missing_candidate', 'missing_control', 'control_mismatch', 'observer_disagrees'] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

export interface EvidenceCounts {
  matched: number;
  mismatch: number;
  missingCandidate: number;
  missingControl: number;
  controlMismatch: number;
  observerDisagrees: number;
  missedByBoth: number;
  ignored: number;
  duplicatesCandidate: number;
  duplicatesControl: number;
  /** Events Realtime was judged on: matched + mismatch + missing_candidate. */
  compared: number;
  /** Realtime's faults: mismatch + missing_candidate. */
  discrepancies: number;
  /** The noise baseline: legacy against a second legacy subscription (the probe's). */
  baseline: { compared: number; discrepancies: number };
  /** Comparisons made with the source alone (the legacy feed was not publishing). */
  againstSource: number;
  outOfOrder: { legacy: number; realtime: number };
  /** Samples naming an event this window does not hold (deleted since, or never stored). */
  unknownEvents: number;
}

export const emptyCounts = (): EvidenceCounts => ({
  matched: 0,
  mismatch: 0,
  missingCandidate: 0,
  missingControl: 0,
  controlMismatch: 0,
  observerDisagrees: 0,
  missedByBoth: 0,
  ignored: 0,
  duplicatesCandidate: 0,
  duplicatesControl: 0,
  compared: 0,
  discrepancies: 0,
  baseline: { compared: 0, discrepancies: 0 },
  againstSource: 0,
  outOfOrder: { legacy: 0, realtime: 0 },
  unknownEvents: 0,
});

export interface Flagged {
  observer: string;
  subject: string;
  event: SourceEvent;
  kind: DiscrepancyKind;
  control?: ObservedSample;
  candidate?: ObservedSample;
  /** The ignore rule that covers it (still logged). */
  ignoredBy: number | null;
}

const COUNT_OF: Record<Outcome, keyof EvidenceCounts> = {
  matched: 'matched',
  mismatch: 'mismatch',
  missing_candidate: 'missingCandidate',
  missing_control: 'missingControl',
  control_mismatch: 'controlMismatch',
  observer_disagrees: 'observerDisagrees',
  missed_by_both: 'missedByBoth',
  ignored: 'ignored',
};

/** One observer's judged evidence for the window, on one Realtime strategy's lane. */
export interface ObserverEvidence {
  info: ObserverInfo;
  /** The candidate lane judged: the Realtime strategy whose deliveries were compared. */
  strategy: RealtimeStrategy;
  counts: EvidenceCounts;
  /** Outcome per judged event (what per-subject dedupe keys on). */
  outcomes: Map<string, Outcome>;
  latency: { legacy: number[]; realtime: number[] };
  flagged: Flagged[];
}

export interface AnalysisOptions {
  /** A live lane delivers an event within this long of its emission; coverage ends this long before a lane went down. */
  graceMs: number;
  /** Coverage starts this long after a lane's first live delivery (clock-offset and commit-order slack). */
  settleMs: number;
  /** Whether the legacy feed was publishing, steadily, when an event was emitted. */
  legacyPublishing(emittedMs: number): boolean;
  /** The ignore rule covering a discrepancy of this kind on this stream, if any. */
  ignoredBy?(kind: DiscrepancyKind, stream: SourceEvent['stream']): number | null;
}

const CONTROL_LANES: ReadonlySet<Lane> = new Set(['primary', 'shadow', 'fallback']);

type Role = 'control' | 'candidate' | 'baseline';
/** A sample's or interval's role when `strategy` is judged; null: another strategy's Realtime lane (not this comparison's). */
const roleOf = (item: Pick<ObservedSample, 'transport' | 'lane' | 'strategy'>, strategy: RealtimeStrategy): Role | null => {
  if (item.transport === 'realtime') return strategyLane(item) === strategy ? 'candidate' : null;
  return item.lane === 'baseline' ? 'baseline' : 'control';
};

/** The emission times an observer's lanes of one role were live and caught up for. */
function coverageOf(info: ObserverInfo, role: Role, strategy: RealtimeStrategy, options: AnalysisOptions): Array<[number, number]> {
  return info.coverage
    .filter((c) => roleOf(c, strategy) === role && (role !== 'control' || CONTROL_LANES.has(c.lane)))
    .map((c): [number, number] => [c.fromMs + options.settleMs, Math.min(c.toMs ?? info.seenThroughMs, info.seenThroughMs) - options.graceMs])
    .filter(([from, to]) => to >= from);
}

const within = (ranges: Array<[number, number]>, t: number) => ranges.some(([from, to]) => t >= from && t <= to);

/** The stored rows of a window, by event id and in emission order (so an observer visits only what it covered). */
export interface SourceIndex {
  byId: ReadonlyMap<string, SourceEvent>;
  sorted: readonly SourceEvent[];
}

export function indexSources(events: Iterable<SourceEvent>): SourceIndex {
  const sorted = [...events].sort((a, b) => a.emittedMs - b.emittedMs);
  return { byId: new Map(sorted.map((event) => [event.eventId, event])), sorted };
}

/** First index in `sorted` emitted at or after `t`. */
function lowerIndex(sorted: readonly SourceEvent[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as SourceEvent).emittedMs < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The stored rows inside any of `ranges`, each once, in emission order. */
function* visit(index: SourceIndex, ranges: Array<[number, number]>): Generator<SourceEvent> {
  const merged = [...ranges].sort((a, b) => a[0] - b[0]).reduce<Array<[number, number]>>((out, range) => {
    const last = out.at(-1);
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else out.push([...range]);
    return out;
  }, []);
  for (const [from, to] of merged) {
    for (let i = lowerIndex(index.sorted, from); i < index.sorted.length; i += 1) {
      const event = index.sorted[i] as SourceEvent;
      if (event.emittedMs > to) break;
      yield event;
    }
  }
}

/** The Realtime strategies an observer had a lane on (its coverage and samples); the default when none. */
export function strategiesOf(info: ObserverInfo, samples: readonly ObservedSample[]): RealtimeStrategy[] {
  const found = new Set<RealtimeStrategy>();
  for (const item of [...info.coverage, ...samples]) {
    const strategy = strategyLane(item);
    if (strategy) found.add(strategy);
  }
  return found.size > 0 ? [...found].sort() : [DEFAULT_STRATEGY];
}

/**
 * Every Realtime lane of one observer, each judged on its own against the same stored rows
 * and the same legacy control: a broadcast loss shows on the broadcast lane only. Pure.
 */
export function analyzeObserverLanes(info: ObserverInfo, samples: ObservedSample[], sources: SourceIndex, options: AnalysisOptions): ObserverEvidence[] {
  return strategiesOf(info, samples).map((strategy) => analyzeObserver(info, samples, sources, options, strategy));
}

/**
 * The comparison engine for one window and one Realtime strategy: the observer's live
 * deliveries on that strategy's lane and on the legacy lanes, judged against the stored
 * rows, for the events both compared lanes were live and caught up for (only the Realtime
 * lane once the legacy feed stops publishing). Other strategies' lanes are not looked at. Pure.
 */
export function analyzeObserver(info: ObserverInfo, samples: ObservedSample[], sources: SourceIndex, options: AnalysisOptions, strategy: RealtimeStrategy = DEFAULT_STRATEGY): ObserverEvidence {
  const counts = emptyCounts();
  const outcomes = new Map<string, Outcome>();
  const flagged: Flagged[] = [];
  const latency = { legacy: emptyHistogram(), realtime: emptyHistogram() };
  const byEvent = new Map<string, Record<Role, ObservedSample[]>>();
  for (const sample of samples) {
    const role = roleOf(sample, strategy);
    if (role === null) continue;
    if (!sources.byId.has(sample.event_id)) {
      counts.unknownEvents += 1;
      continue;
    }
    let entry = byEvent.get(sample.event_id);
    if (!entry) {
      entry = { control: [], candidate: [], baseline: [] };
      byEvent.set(sample.event_id, entry);
    }
    entry[role].push(sample);
  }
  const candidateCoverage = coverageOf(info, 'candidate', strategy, options);
  const controlCoverage = coverageOf(info, 'control', strategy, options);
  const baselineCoverage = coverageOf(info, 'baseline', strategy, options);

  for (const event of visit(sources, [...candidateCoverage, ...controlCoverage])) {
    const t = event.emittedMs;
    const got = byEvent.get(event.eventId);
    const legacyOn = options.legacyPublishing(t);
    if (legacyOn && got && within(controlCoverage, t) && within(baselineCoverage, t)) {
      counts.baseline.compared += 1;
      if ((got.control.length > 0) !== (got.baseline.length > 0)) counts.baseline.discrepancies += 1;
    }
    if (!within(candidateCoverage, t)) continue;
    if (legacyOn && !within(controlCoverage, t)) continue;
    const candidate = got?.candidate[0];
    const control = legacyOn ? got?.control[0] : undefined;
    counts.duplicatesCandidate += Math.max(0, (got?.candidate.length ?? 0) - 1);
    if (legacyOn) counts.duplicatesControl += Math.max(0, (got?.control.length ?? 0) - 1);
    for (const sample of [candidate, control]) if (sample) record(latency[sample.transport], sample.received_at - sample.emitted_at);
    const judged = judge(legacyOn, control, candidate, event.digest);
    const ignoredBy = judged === 'matched' || judged === 'missed_by_both' ? null : options.ignoredBy?.(judged, event.stream) ?? null;
    const outcome: Outcome = ignoredBy === null ? judged : 'ignored';
    outcomes.set(event.eventId, outcome);
    if (!legacyOn) counts.againstSource += 1;
    (counts[COUNT_OF[outcome]] as number) += 1;
    if (judged !== 'matched' && judged !== 'missed_by_both') flagged.push({ observer: info.observer, subject: info.subject, event, kind: judged, control, candidate, ignoredBy });
  }
  counts.compared = counts.matched + counts.mismatch + counts.missingCandidate;
  counts.discrepancies = counts.mismatch + counts.missingCandidate;
  const judged = samples.filter((s) => s.lane !== 'baseline' && outcomes.has(s.event_id) && roleOf(s, strategy) !== null);
  counts.outOfOrder = { legacy: countOutOfOrder(judged.filter((s) => s.transport === 'legacy')), realtime: countOutOfOrder(judged.filter((s) => s.transport === 'realtime')) };
  return { info, strategy, counts, outcomes, latency, flagged };
}

/** The outcome table (see {@link Outcome}). */
function judge(legacyOn: boolean, control: ObservedSample | undefined, candidate: ObservedSample | undefined, truth: string): Exclude<Outcome, 'ignored'> {
  const candidateRight = candidate?.digest === truth;
  if (!legacyOn) return candidate === undefined ? 'missing_candidate' : candidateRight ? 'matched' : 'mismatch';
  const controlRight = control?.digest === truth;
  if (controlRight) return candidate === undefined ? 'missing_candidate' : candidateRight ? 'matched' : 'mismatch';
  if (candidate === undefined) return control === undefined ? 'missed_by_both' : 'observer_disagrees';
  if (!candidateRight) return 'observer_disagrees';
  return control === undefined ? 'missing_control' : 'control_mismatch';
}

/** One subject's evidence for one cohort × browser (where its observers were) on one Realtime strategy's lane. */
export interface SubjectSlice {
  strategy: RealtimeStrategy;
  cohort: string;
  browser: string;
  counts: EvidenceCounts;
  latency: { legacy: number[]; realtime: number[] };
}

/**
 * Several observers of one subject (a user's tabs, whatever their cohort or browser, or
 * every probe) count as one, per Realtime strategy: each event once per strategy's lane.
 */
export function mergeSubject(evidence: ObserverEvidence[]): SubjectSlice[] {
  const byStrategy = new Map<RealtimeStrategy, ObserverEvidence[]>();
  for (const item of evidence) byStrategy.set(item.strategy, [...(byStrategy.get(item.strategy) ?? []), item]);
  return [...byStrategy].flatMap(([strategy, items]) => mergeLane(strategy, items));
}

/**
 * One strategy's lane of a subject: each event once, with the outcome of the first observer
 * (by id) that saw it on a lane, filed under that observer's cohort × browser. Baseline,
 * duplicates and latency stay with the observer that measured them.
 */
function mergeLane(strategy: RealtimeStrategy, evidence: ObserverEvidence[]): SubjectSlice[] {
  const sorted = [...evidence].sort((a, b) => a.info.observer.localeCompare(b.info.observer));
  const slices = new Map<string, SubjectSlice>();
  const sliceOf = (info: ObserverInfo) => {
    const key = `${info.cohort}\u0000${info.browser}`;
    let slice = slices.get(key);
    if (!slice) {
      slice = { strategy, cohort: info.cohort, browser: info.browser, counts: emptyCounts(), latency: { legacy: emptyHistogram(), realtime: emptyHistogram() } };
      slices.set(key, slice);
    }
    return slice;
  };
  const chosen = new Map<string, { outcome: Outcome; slice: SubjectSlice }>();
  for (const item of sorted) {
    const slice = sliceOf(item.info);
    // The first observer that saw the event on a lane decides it; "missed by both" only where no observer saw it at all.
    for (const [eventId, outcome] of item.outcomes) {
      const known = chosen.get(eventId);
      if (!known || (known.outcome === 'missed_by_both' && outcome !== 'missed_by_both')) chosen.set(eventId, { outcome, slice });
    }
    const c = slice.counts;
    c.baseline.compared += item.counts.baseline.compared;
    c.baseline.discrepancies += item.counts.baseline.discrepancies;
    c.duplicatesCandidate += item.counts.duplicatesCandidate;
    c.duplicatesControl += item.counts.duplicatesControl;
    c.outOfOrder.legacy += item.counts.outOfOrder.legacy;
    c.outOfOrder.realtime += item.counts.outOfOrder.realtime;
    c.unknownEvents += item.counts.unknownEvents;
    c.againstSource = Math.max(c.againstSource, item.counts.againstSource);
    for (const transport of ['legacy', 'realtime'] as const) item.latency[transport].forEach((n, i) => (slice.latency[transport][i] = (slice.latency[transport][i] ?? 0) + n));
  }
  for (const { outcome, slice } of chosen.values()) (slice.counts[COUNT_OF[outcome]] as number) += 1;
  for (const slice of slices.values()) {
    slice.counts.compared = slice.counts.matched + slice.counts.mismatch + slice.counts.missingCandidate;
    slice.counts.discrepancies = slice.counts.mismatch + slice.counts.missingCandidate;
  }
  return [...slices.values()];
}
