/** Whose evidence a window holds: a signed-in user's id, or the headless probe (service role), the trusted baseline. */
export const PROBE_SUBJECT = 'probe';
