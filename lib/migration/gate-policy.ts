/**
 * How persistent a result must be before the gate runner acts on it (pure, shared with the
 * settings page). A measurement is one newly analysed window (a minute by default, `VALIDATION_WINDOW_SECONDS`).
 */

/** Consecutive failing measurements before an automatic rollback (Argo Rollouts' `failureLimit` on consecutive runs). */
export const FAILURE_LIMIT = 2;
/** Consecutive inconclusive measurements before the runner pauses for a human (no rollback, no advance). */
export const INCONCLUSIVE_LIMIT = 3;
