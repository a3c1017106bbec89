/** A WAL position (LSN) as an unsigned 64-bit integer. */
export type Lsn = bigint;

export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** Microseconds between the Unix epoch and the Postgres epoch (2000-01-01T00:00:00Z). */
const PG_EPOCH_US = 946_684_800_000_000n;

/** Postgres wire timestamp (µs since 2000-01-01) → `YYYY-MM-DDTHH:MM:SS.mmmZ`. */
export function pgTimestampToIso(pgMicros: bigint): string {
  return new Date(Number((pgMicros + PG_EPOCH_US) / 1000n)).toISOString();
}

/** Now as a Postgres wire timestamp. */
export function pgNow(): bigint {
  return BigInt(Date.now()) * 1000n - PG_EPOCH_US;
}
