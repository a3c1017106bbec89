/**
 * How persistent a result must be before the gate runner acts on it (pure, shared with the
 * settings page). A measurement is one newly analysed window (a minute by default, `VALIDATION_WINDOW_SECONDS`).
 */

/** Consecutive failing measurements before an automatic rollback (Argo Rollouts' `failureLimit` on consecutive runs). */
export const FAILURE_LIMIT = 2;
/** Consecutive inconclusive measurements before the runner pauses for a human (no rollback, no advance). */
export const INCONCLUSIVE_LIMIT = 3;
/**
 * A measurement needs a full sample of its own (≥ 3,000 compared events on the probe); at low
 * event rates it takes at most this many windows, so a quiet system is still measured.
 */
export const MAX_MEASUREMENT_WINDOWS = 10;
