import type { RealtimeStrategy, TransportKind } from '@/contracts/transports';

/** Until a strategy is named (and for rows stored before lanes had one), Realtime is postgres_changes. */
export const DEFAULT_STRATEGY: RealtimeStrategy = 'postgres_changes';

/**
 * Which Realtime lane a sample or coverage interval belongs to: its strategy on Realtime
 * (absent: the default), none on the legacy feed. Every strategy is a lane of its own.
 */
export const strategyLane = (item: { transport: TransportKind; strategy?: RealtimeStrategy | null }): RealtimeStrategy | null =>
  item.transport === 'realtime' ? (item.strategy ?? DEFAULT_STRATEGY) : null;
