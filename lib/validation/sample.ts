import { z } from 'zod';

export const STREAMS = ['cache_metrics', 'system_events'] as const;
export type StreamName = (typeof STREAMS)[number];

/**
 * One delivery observed by one observer (a browser tab or the headless probe):
 * "transport T delivered event E to me at time t, with this payload digest".
 * `lane` tells the two subscriptions of the noise baseline apart (legacy vs legacy).
 */
export const sampleSchema = z
  .object({
    event_id: z.uuid(),
    id: z.number().int().positive(),
    stream: z.enum(STREAMS),
    transport: z.enum(['legacy', 'realtime']),
    lane: z.enum(['primary', 'shadow', 'baseline']).default('primary'),
    /** Receive time in server clock (ms since epoch), corrected by the measured clock offset. */
    received_at: z.number().int().min(1_600_000_000_000).max(4_000_000_000_000),
    /** Server emit time of the event (ms since epoch) as carried by the payload. */
    emitted_at: z.number().int().min(1_600_000_000_000).max(4_000_000_000_000),
    digest: z.string().regex(/^[0-9a-f]{16}$/),
    /** Position of this delivery in the observer's raw arrival order on this transport lane. */
    seq: z.number().int().min(0),
    /** Present only when the observer saw two transports disagree on this event: this delivery's payload… */
    payload: z.record(z.string(), z.unknown()).optional(),
    /** …and the other transport's, so both land in the discrepancy log side by side. */
    peer_payload: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type Sample = z.infer<typeof sampleSchema>;

export const sampleBatchSchema = z
  .object({
    observer: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
    cohort: z.enum(['legacy', 'shadow', 'realtime', 'probe']),
    browser: z.enum(['chrome', 'firefox', 'safari', 'edge', 'other', 'node']),
    /** Client clock minus server clock, as the observer measured it (ms). */
    clock_offset_ms: z.number().min(-86_400_000).max(86_400_000),
    /** Transport errors the observer saw since its last batch (for the error rate). */
    errors: z.object({ legacy: z.number().int().min(0).max(1_000_000), realtime: z.number().int().min(0).max(1_000_000) }).strict().default({ legacy: 0, realtime: 0 }),
    samples: z.array(sampleSchema).max(1_000),
  })
  .strict();
export type SampleBatch = z.infer<typeof sampleBatchSchema>;
