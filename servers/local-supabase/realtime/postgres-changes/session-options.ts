/**
 * Session settings for every connection of the extension (replication and queries), so
 * WAL text output and the canonical filter values we compare it with use one format.
 */
export const SESSION_OPTIONS = '-c TimeZone=UTC -c DateStyle=ISO,MDY -c IntervalStyle=postgres -c bytea_output=hex -c extra_float_digits=1';
