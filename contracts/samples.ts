import { z } from 'zod';
import { STREAMS } from './envelope';
import { REALTIME_STRATEGIES, TRANSPORTS } from './transports';


/**
 * An observer's subscriptions: the serving transport (`primary`), the legacy feed serving
 * while Realtime is down (`fallback`), the compared other transport (`shadow`), and the
 * probe's second legacy subscription, the noise baseline (`baseline`).
 */
export const LANES = ['primary', 'shadow', 'fallback', 'baseline'] as const;
export type Lane = (typeof LANES)[number];

/** A server-clock timestamp (ms since epoch) in a plausible range. */
const epochMs = z.number().int().min(1_600_000_000_000).max(4_000_000_000_000);
const counter = z.number().int().min(0).max(1_000_000);

/**
 * One delivery observed by one observer (a browser tab or the headless probe):
 * "transport T delivered event E to me live at time t, with this payload digest".
 */
export const sampleSchema = z
  .object({
    event_id: z.uuid(),
    id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    stream: z.enum(STREAMS),
    transport: z.enum(TRANSPORTS),
    lane: z.enum(LANES).default('primary'),
    /** Realtime deliveries only: the strategy that delivered it (absent: `postgres_changes`). Each strategy is its own lane. */
    strategy: z.enum(REALTIME_STRATEGIES).optional(),
    /** Receive time in server clock (ms since epoch), corrected by the measured clock offset. */
    received_at: epochMs,
    /** Server emit time of the event (ms since epoch) as carried by the payload. */
    emitted_at: epochMs,
    digest: z.string().regex(/^[0-9a-f]{16}$/),
    /** Position of this delivery in the observer's raw arrival order on this transport lane (a Postgres integer). */
    seq: z.number().int().min(0).max(2_147_483_647),
    /** Present only when the observer saw two transports disagree on this event: this delivery's payload… */
    payload: z.record(z.string(), z.unknown()).optional(),
    /** …and the other transport's, so both land in the discrepancy log side by side. */
    peer_payload: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type Sample = z.infer<typeof sampleSchema>;

/**
 * A stretch of emission times during which one lane of the observer was live and caught
 * up: from the emission time of its first live delivery after a join (or after the tab
 * became visible again) to when it went down; `to: null` while it still is live. Only
 * events inside the coverage of both compared lanes are compared.
 */
export const coverageSchema = z
  .object({
    transport: z.enum(TRANSPORTS),
    lane: z.enum(LANES),
    /** Realtime lanes only, as on samples. */
    strategy: z.enum(REALTIME_STRATEGIES).optional(),
    from: epochMs,
    to: epochMs.nullable(),
  })
  .strict()
  .refine((c) => c.to === null || c.to >= c.from, { message: 'to must not be before from', path: ['to'] });
export type Coverage = z.infer<typeof coverageSchema>;

export const sampleBatchSchema = z
  .object({
    observer: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
    cohort: z.enum(['legacy', 'shadow', 'realtime', 'probe']),
    browser: z.enum(['chrome', 'firefox', 'safari', 'edge', 'other', 'node']),
    /** Client clock minus server clock, as the observer measured it (ms). */
    clock_offset_ms: z.number().min(-86_400_000).max(86_400_000),
    /** Transport errors the observer saw since its last batch (for the error rate); `strategies` splits the Realtime ones by lane (absent: the caller's one strategy). */
    errors: z
      .object({ legacy: counter, realtime: counter, strategies: z.partialRecord(z.enum(REALTIME_STRATEGIES), counter).optional() })
      .strict()
      .default({ legacy: 0, realtime: 0 }),
    /** Events that reached the observer only as a resume replay or from the history API since its last batch: recovered, not delivered live. */
    recovered: z.object({ replay: counter, history: counter }).strict().default({ replay: 0, history: 0 }),
    /** Coverage intervals closed since the last batch, and the open ones. */
    coverage: z.array(coverageSchema).max(64).default([]),
    /** Server clock: every live delivery up to this moment is in this batch or an earlier one. */
    seen_through: epochMs.optional(),
    samples: z.array(sampleSchema).max(1_000),
  })
  .strict();
export type SampleBatch = z.infer<typeof sampleBatchSchema>;
