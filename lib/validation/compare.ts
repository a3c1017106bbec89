import type { Sample } from '@/lib/validation/sample';

/** A sample with the batch-level facts of its observer attached. */
export interface ObservedSample extends Sample {
  observer: string;
  cohort: string;
  browser: string;
}

export type Outcome = 'matched' | 'mismatch' | 'missing_candidate' | 'missing_control' | 'pending';

export interface PairCounts {
  matched: number;
  mismatch: number;
  missingCandidate: number;
  missingControl: number;
  pending: number;
  duplicatesControl: number;
  duplicatesCandidate: number;
}

export interface EventComparison {
  observer: string;
  eventId: string;
  stream: string;
  id: number;
  outcome: Outcome;
  control?: ObservedSample;
  candidate?: ObservedSample;
}

export const emptyPairCounts = (): PairCounts => ({ matched: 0, mismatch: 0, missingCandidate: 0, missingControl: 0, pending: 0, duplicatesControl: 0, duplicatesCandidate: 0 });

/** Events that were decided (both sides seen, or one side overdue). */
export const compared = (c: PairCounts) => c.matched + c.mismatch + c.missingCandidate + c.missingControl;
export const discrepancies = (c: PairCounts) => c.mismatch + c.missingCandidate + c.missingControl;

/**
 * Joins control and candidate deliveries per observer and event (Scientist's
 * control/candidate, applied to two push streams). An event seen on one side only is
 * `pending` until `graceMs` after it was emitted, then missing on the other side.
 */
export function comparePair(control: ObservedSample[], candidate: ObservedSample[], nowMs: number, graceMs: number): { counts: PairCounts; events: EventComparison[] } {
  const groups = new Map<string, { control: ObservedSample[]; candidate: ObservedSample[] }>();
  const key = (s: ObservedSample) => `${s.observer}\u0000${s.event_id}`;
  for (const sample of control) {
    const group = groups.get(key(sample)) ?? { control: [], candidate: [] };
    group.control.push(sample);
    groups.set(key(sample), group);
  }
  for (const sample of candidate) {
    const group = groups.get(key(sample)) ?? { control: [], candidate: [] };
    group.candidate.push(sample);
    groups.set(key(sample), group);
  }
  const counts = emptyPairCounts();
  const events: EventComparison[] = [];
  for (const group of groups.values()) {
    const a = group.control[0];
    const b = group.candidate[0];
    const any = (a ?? b) as ObservedSample;
    counts.duplicatesControl += Math.max(0, group.control.length - 1);
    counts.duplicatesCandidate += Math.max(0, group.candidate.length - 1);
    let outcome: Outcome;
    if (a && b) outcome = a.digest === b.digest ? 'matched' : 'mismatch';
    else if (any.emitted_at + graceMs > nowMs) outcome = 'pending';
    else outcome = a ? 'missing_candidate' : 'missing_control';
    switch (outcome) {
      case 'matched':
        counts.matched += 1;
        break;
      case 'mismatch':
        counts.mismatch += 1;
        break;
      case 'missing_candidate':
        counts.missingCandidate += 1;
        break;
      case 'missing_control':
        counts.missingControl += 1;
        break;
      case 'pending':
        counts.pending += 1;
        break;
    }
    events.push({ observer: any.observer, eventId: any.event_id, stream: any.stream, id: any.id, outcome, control: a, candidate: b });
  }
  return { counts, events };
}

/**
 * Out-of-order deliveries per observer lane: an arrival whose id is below the highest id
 * that lane had already delivered on the same stream.
 */
export function countOutOfOrder(samples: ObservedSample[]): number {
  const lanes = new Map<string, ObservedSample[]>();
  for (const sample of samples) {
    const lane = `${sample.observer}\u0000${sample.transport}\u0000${sample.lane}\u0000${sample.stream}`;
    const list = lanes.get(lane) ?? [];
    list.push(sample);
    lanes.set(lane, list);
  }
  let count = 0;
  for (const list of lanes.values()) {
    list.sort((x, y) => x.seq - y.seq);
    let highest = -1;
    for (const sample of list) {
      if (sample.id < highest) count += 1;
      else highest = sample.id;
    }
  }
  return count;
}
