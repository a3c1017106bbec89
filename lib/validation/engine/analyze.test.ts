import { describe, expect, it } from 'vitest';
import { analyzeObserver, indexSources, mergeSubject, type AnalysisOptions, type CoverageInterval, type ObserverInfo, type SourceEvent, type SourceIndex } from '@/lib/validation/engine/analyze';
import { upperBound } from '@/lib/validation/engine/bounds';
import type { ObservedSample } from '@/lib/validation/engine/compare';
import type { Lane } from '@/contracts/samples';

const T0 = 1_800_000_000_000;
const GRACE = 10_000;
const SETTLE = 2_000;
const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const truthDigest = (i: number) => i.toString(16).padStart(16, '0');

/** `count` stored events, one every 10 ms from T0 + 10 ms. */
function sources(count: number): SourceIndex {
  const events: SourceEvent[] = [];
  for (let i = 1; i <= count; i += 1) events.push({ eventId: uuid(i), stream: 'cache_metrics', id: i, emittedMs: T0 + i * 10, digest: truthDigest(i) });
  return indexSources(events);
}

/** One lane's deliveries of events 1..count, as an observer would report them. */
function lane(options: { transport: 'legacy' | 'realtime'; lane?: Lane; count: number; from?: number; drop?: Set<number>; duplicate?: Set<number>; swapAfter?: Set<number>; wrong?: Set<number>; digest?: string; latencyMs?: number }): ObservedSample[] {
  const order: number[] = [];
  for (let i = options.from ?? 1; i <= options.count; i += 1) {
    if (options.drop?.has(i)) continue;
    order.push(i);
    if (options.duplicate?.has(i)) order.push(i);
  }
  for (const i of options.swapAfter ?? []) {
    const at = order.indexOf(i);
    if (at >= 0 && at + 1 < order.length) [order[at], order[at + 1]] = [order[at + 1] as number, order[at] as number];
  }
  const laneName = options.lane ?? (options.transport === 'legacy' ? 'primary' : 'shadow');
  return order.map((i, seq) => ({
    observer: 'tab-aaaaaaaa',
    cohort: 'shadow',
    browser: 'chrome',
    event_id: uuid(i),
    id: i,
    stream: 'cache_metrics',
    transport: options.transport,
    lane: laneName,
    emitted_at: T0 + i * 10,
    received_at: T0 + i * 10 + (options.latencyMs ?? 5),
    digest: options.digest ?? (options.wrong?.has(i) ? 'ffffffffffffffff' : truthDigest(i)),
    seq,
  }));
}

/** An observer whose lanes were live from T0 until long after the events (unless told otherwise). */
function observer(coverage: Array<Partial<CoverageInterval> & Pick<CoverageInterval, 'transport' | 'lane'>>, seenThroughMs = T0 + 3_600_000, subject = 'user-1'): ObserverInfo {
  return {
    observer: 'tab-aaaaaaaa',
    subject,
    trusted: false,
    cohort: 'shadow',
    browser: 'chrome',
    seenThroughMs,
    coverage: coverage.map((c) => ({ fromMs: T0 - SETTLE, toMs: null, ...c })),
  };
}

const shadowTab = (seenThrough?: number) =>
  observer(
    [
      { transport: 'legacy', lane: 'primary' },
      { transport: 'realtime', lane: 'shadow' },
    ],
    seenThrough,
  );
const options = (overrides: Partial<AnalysisOptions> = {}): AnalysisOptions => ({ graceMs: GRACE, settleMs: SETTLE, legacyPublishing: () => true, ...overrides });

describe('comparison engine (against the stored rows)', () => {
  it('counts exact matches when both transports deliver what is stored', () => {
    const result = analyzeObserver(shadowTab(), [...lane({ transport: 'legacy', count: 500 }), ...lane({ transport: 'realtime', count: 500 })], sources(500), options());
    expect(result.counts).toMatchObject({ matched: 500, mismatch: 0, missingCandidate: 0, missingControl: 0, compared: 500, discrepancies: 0 });
    expect(result.flagged).toEqual([]);
  });

  it('finds Realtime drops, duplicates, reorders and altered content exactly, and keeps legacy faults apart', () => {
    const result = analyzeObserver(
      shadowTab(),
      [
        ...lane({ transport: 'legacy', count: 1000, drop: new Set([7]), duplicate: new Set([300]), wrong: new Set([800]) }),
        ...lane({ transport: 'realtime', count: 1000, drop: new Set([10, 20, 30]), duplicate: new Set([40, 50]), swapAfter: new Set([100, 200]), wrong: new Set([500, 600]) }),
      ],
      sources(1000),
      options(),
    );
    expect(result.counts).toMatchObject({
      matched: 1000 - 3 - 2 - 2,
      mismatch: 2,
      missingCandidate: 3,
      // Legacy lost #7 and altered #800 while Realtime was right: a legacy fault, not Realtime's.
      missingControl: 1,
      controlMismatch: 1,
      duplicatesControl: 1,
      duplicatesCandidate: 2,
      compared: 1000 - 2,
      discrepancies: 5,
    });
    expect(result.counts.outOfOrder).toEqual({ legacy: 0, realtime: 2 });
    expect(result.flagged.map((f) => `${f.kind}:${f.event.id}`).sort()).toEqual(
      ['control_mismatch:800', 'mismatch:500', 'mismatch:600', 'missing_candidate:10', 'missing_candidate:20', 'missing_candidate:30', 'missing_control:7'].sort(),
    );
  });

  it('does not count a "match" whose digest is not the stored row’s: the observer contradicts the source', () => {
    const forged = analyzeObserver(shadowTab(), [...lane({ transport: 'legacy', count: 420, digest: 'deadbeefdeadbeef' }), ...lane({ transport: 'realtime', count: 420, digest: 'deadbeefdeadbeef' })], sources(420), options());
    expect(forged.counts).toMatchObject({ matched: 0, compared: 0, discrepancies: 0, observerDisagrees: 420 });
  });

  it('compares only events both lanes were live and caught up for: a lane that joined late, and the settle time after it', () => {
    // Legacy live from T0; Realtime's first live delivery is event 300 (T0 + 3 s).
    const tab = observer([
      { transport: 'legacy', lane: 'primary' },
      { transport: 'realtime', lane: 'shadow', fromMs: T0 + 3_000 },
    ]);
    const result = analyzeObserver(tab, [...lane({ transport: 'legacy', count: 1000 }), ...lane({ transport: 'realtime', count: 1000, from: 300 })], sources(1000), options());
    // Compared from T0 + 3 s + settle: events 500..1000.
    expect(result.counts).toMatchObject({ compared: 501, matched: 501, discrepancies: 0, missingCandidate: 0 });
  });

  it('stops comparing a grace before a lane went down: a tab closed after Realtime and before legacy delivered', () => {
    // The tab closes at T0 + 20 s, just after Realtime delivered event 2000 and before legacy delivered 1999 and 2000.
    const closed = observer([
      { transport: 'legacy', lane: 'primary', toMs: T0 + 20_000 },
      { transport: 'realtime', lane: 'shadow', toMs: T0 + 20_000 },
    ]);
    const result = analyzeObserver(closed, [...lane({ transport: 'legacy', count: 1998 }), ...lane({ transport: 'realtime', count: 2000 })], sources(3000), options());
    expect(result.counts.discrepancies + result.counts.missingControl).toBe(0);
    // Events 1..1000 (up to 10 s before the close) were compared, later ones were not expected.
    expect(result.counts.compared).toBe(1000);
  });

  it('never reaches past what the observer vouched for (its last report), whatever its coverage claims', () => {
    // Still "open", but the observer last reported at T0 + 4 s: later events are not expected of it.
    const silent = analyzeObserver(shadowTab(T0 + 4_000), [...lane({ transport: 'legacy', count: 100 }), ...lane({ transport: 'realtime', count: 100 })], sources(1000), options());
    expect(silent.counts).toMatchObject({ discrepancies: 0, missingCandidate: 0, missedByBoth: 0 });
  });

  it('once legacy stops publishing, judges Realtime against the source alone: a silent legacy feed is not missing', () => {
    const result = analyzeObserver(shadowTab(), lane({ transport: 'realtime', count: 1000, drop: new Set([42]) }), sources(1000), options({ legacyPublishing: () => false }));
    expect(result.counts).toMatchObject({ matched: 999, missingCandidate: 1, missingControl: 0, compared: 1000, discrepancies: 1, againstSource: 1000 });
  });

  it('measures the legacy noise baseline from a second legacy subscription', () => {
    const probe: ObserverInfo = {
      ...observer([
        { transport: 'legacy', lane: 'primary' },
        { transport: 'legacy', lane: 'baseline' },
        { transport: 'realtime', lane: 'shadow' },
      ]),
      trusted: true,
    };
    const drops = new Set(Array.from({ length: 30 }, (_, i) => 100 + i * 100));
    const result = analyzeObserver(probe, [...lane({ transport: 'legacy', count: 3000 }), ...lane({ transport: 'legacy', lane: 'baseline', count: 3000, drop: drops }), ...lane({ transport: 'realtime', count: 3000 })], sources(3000), options());
    expect(result.counts.baseline).toEqual({ compared: 3000, discrepancies: 30 });
    expect(result.counts).toMatchObject({ compared: 3000, discrepancies: 0 });
  });

  it('counts events neither live lane delivered as the observer’s own loss, not a discrepancy', () => {
    const result = analyzeObserver(shadowTab(), [...lane({ transport: 'legacy', count: 100, drop: new Set([5]) }), ...lane({ transport: 'realtime', count: 100, drop: new Set([5]) })], sources(100), options());
    expect(result.counts).toMatchObject({ missedByBoth: 1, compared: 99, discrepancies: 0 });
  });

  it('logs discrepancies an ignore rule covers without counting them', () => {
    const result = analyzeObserver(shadowTab(), [...lane({ transport: 'legacy', count: 100 }), ...lane({ transport: 'realtime', count: 100, drop: new Set([3, 4]) })], sources(100), options({ ignoredBy: (kind) => (kind === 'missing_candidate' ? 7 : null) }));
    expect(result.counts).toMatchObject({ ignored: 2, missingCandidate: 0, compared: 98, discrepancies: 0 });
    expect(result.flagged.map((f) => f.ignoredBy)).toEqual([7, 7]);
  });

  it('latency per transport comes from the compared live deliveries', () => {
    const result = analyzeObserver(shadowTab(), [...lane({ transport: 'legacy', count: 100, latencyMs: 40 }), ...lane({ transport: 'realtime', count: 100, latencyMs: 12 })], sources(100), options());
    expect(result.latency.realtime.reduce((a, b) => a + b, 0)).toBe(100);
    expect(result.latency.legacy.reduce((a, b) => a + b, 0)).toBe(100);
  });
});

describe('one subject counts once per event', () => {
  it('merges a user’s tabs so three tabs weigh as one', () => {
    const tab = (name: string) => ({ ...shadowTab(), observer: name });
    const evidence = ['tab-1', 'tab-2', 'tab-3'].map((name) =>
      analyzeObserver(tab(name), [...lane({ transport: 'legacy', count: 200 }), ...lane({ transport: 'realtime', count: 200, drop: new Set([9]) })].map((s) => ({ ...s, observer: name })), sources(200), options()),
    );
    const [merged, ...more] = mergeSubject(evidence);
    expect(more).toEqual([]);
    expect(merged?.counts).toMatchObject({ compared: 200, matched: 199, missingCandidate: 1, discrepancies: 1 });
  });

  it('counts a user’s tabs in two browsers once per event, each event filed under the browser of the tab that decided it', () => {
    const chrome = analyzeObserver({ ...shadowTab(), observer: 'tab-a' }, [...lane({ transport: 'legacy', count: 100 }), ...lane({ transport: 'realtime', count: 100 })].map((s) => ({ ...s, observer: 'tab-a' })), sources(100), options());
    const firefox = analyzeObserver({ ...shadowTab(), observer: 'tab-b', browser: 'firefox' }, [...lane({ transport: 'legacy', count: 100 }), ...lane({ transport: 'realtime', count: 100 })].map((s) => ({ ...s, observer: 'tab-b', browser: 'firefox' })), sources(100), options());
    const slices = mergeSubject([firefox, chrome]);
    expect(slices.reduce((sum, slice) => sum + slice.counts.compared, 0)).toBe(100);
    expect(slices.find((slice) => slice.browser === 'chrome')?.counts.compared).toBe(100);
  });

  it('lets a tab that saw an event decide it over a tab that saw neither lane deliver it', () => {
    const quiet = analyzeObserver({ ...shadowTab(), observer: 'tab-0' }, [], sources(100), options());
    const busy = analyzeObserver({ ...shadowTab(), observer: 'tab-1' }, [...lane({ transport: 'legacy', count: 100 }), ...lane({ transport: 'realtime', count: 100 })].map((s) => ({ ...s, observer: 'tab-1' })), sources(100), options());
    expect(mergeSubject([quiet, busy])[0]?.counts).toMatchObject({ compared: 100, matched: 100, missedByBoth: 0 });
  });
});

describe('confidence bounds', () => {
  it('uses the rule of three for zero events and Wilson otherwise', () => {
    expect(upperBound(0, 3000)).toBeCloseTo(0.001, 12);
    expect(upperBound(5, 1000)).toBeGreaterThan(0.005);
    expect(upperBound(5, 1000)).toBeLessThan(0.011);
    expect(Number.isNaN(upperBound(0, 0))).toBe(true);
  });
});
