import type { Sample } from '@/contracts/samples';

/** A sample with the batch-level facts of its observer attached. */
export interface ObservedSample extends Sample {
  observer: string;
  cohort: string;
  browser: string;
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
