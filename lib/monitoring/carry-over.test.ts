import { describe, expect, it } from 'vitest';
import { carryOver } from '@/lib/monitoring/carry-over';
import type { CacheMetricEvent, EventsByStream, SystemEvent } from '@/lib/monitoring/model';

const metric = (id: number) => ({ id, stream: 'cache_metrics' }) as unknown as CacheMetricEvent;
const event = (id: number) => ({ id, stream: 'system_events' }) as unknown as SystemEvent;

describe('carryOver', () => {
  it("starts a replacement feed from what the previous one rendered, not from the page's old snapshot", () => {
    const previous: EventsByStream = { cache_metrics: [metric(900), metric(901)], system_events: [event(40)] };
    const rows = carryOver(previous, { cache_metrics: [metric(1)], system_events: [event(1)] });
    expect(rows.cache_metrics?.map((row) => row.id)).toEqual([900, 901]);
    expect(rows.system_events?.map((row) => row.id)).toEqual([40]);
  });

  it('falls back to the snapshot per stream where the previous feed had nothing (first feed, or an empty stream)', () => {
    const rows = carryOver({ cache_metrics: [metric(900)], system_events: [] }, { cache_metrics: [metric(1)], system_events: [event(7)] });
    expect(rows.cache_metrics?.map((row) => row.id)).toEqual([900]);
    expect(rows.system_events?.map((row) => row.id)).toEqual([7]);
    expect(carryOver(undefined, { cache_metrics: [metric(1)] })).toEqual({ cache_metrics: [metric(1)] });
  });

  it('leaves a stream out when neither has rows, so the feed fetches its snapshot on first live', () => {
    expect(carryOver(undefined, {})).toEqual({});
  });
});
