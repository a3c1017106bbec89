import { assertNever } from '@/lib/assert-never';
import type { RealtimeStrategy, TransportKind } from '@/contracts/transports';
import type { Cohort } from '@/lib/rollout/config';

/** Which transport does what on one viewer's dashboard. */
export interface FeedPlan {
  /** Renders the dashboard. */
  primary: TransportKind;
  /** Runs beside the primary, compared and never rendered; null: nothing to compare with. */
  shadow: TransportKind | null;
  /** Serves while the primary is down; null: the primary has no fallback. */
  fallback: TransportKind | null;
  /** How the Realtime transport (wherever it serves in this plan) receives the streams; default `postgres_changes`. */
  realtimeStrategy?: RealtimeStrategy;
}


/**
 * The transport choice for a cohort. Once the legacy feed is switched off everyone is on
 * Realtime alone, whatever the cohort; until then the legacy feed is the Realtime cohort's
 * fallback and comparison, and the shadow cohort compares Realtime against it.
 */
export function feedPlan(cohort: Cohort, legacyAvailable: boolean, realtimeStrategy: RealtimeStrategy = 'postgres_changes'): FeedPlan {
  const strategy = realtimeStrategy === 'postgres_changes' ? {} : { realtimeStrategy };
  if (!legacyAvailable) return { primary: 'realtime', shadow: null, fallback: null, ...strategy };
  switch (cohort) {
    case 'legacy':
      return { primary: 'legacy', shadow: null, fallback: null };
    case 'shadow':
      return { primary: 'legacy', shadow: 'realtime', fallback: null, ...strategy };
    case 'realtime':
      return { primary: 'realtime', shadow: 'legacy', fallback: 'legacy', ...strategy };
    default:
      return assertNever(cohort, 'cohort');
  }
}
