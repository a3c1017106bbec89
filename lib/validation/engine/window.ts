/**
 * The analysis window: evidence is analysed and gated per window of emission time (one
 * minute by default, `VALIDATION_WINDOW_SECONDS`). The app and the worker must use the same
 * length: the worker writes the windows, the app's gate checks start at the first full one.
 */
export const DEFAULT_WINDOW_MS = 60_000;

export const windowStartOf = (ms: number, windowMs: number) => Math.floor(ms / windowMs) * windowMs;
