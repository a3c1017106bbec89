/** Whose evidence a window holds: a signed-in user's id, or the headless probe (service role), the trusted baseline. */
export const PROBE_SUBJECT = 'probe';

/**
 * Where an observer's reports are stored: its id within its caller's own namespace, so no
 * caller can report under — or lock out — another caller's observer (the probe's included).
 */
export const observerKey = (subject: string, observer: string) => `${subject}:${observer}`;
