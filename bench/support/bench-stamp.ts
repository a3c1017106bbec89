/**
 * Every benchmark row carries its sequence number and issue time in its `source` text:
 * `b~<seq>~<issued, epoch µs>`. Realtime and the legacy feed both deliver `source` verbatim,
 * so one cheap byte scan gives a receiver its latency and its place in the sequence: `~`
 * appears nowhere else in these frames, and a one-byte search is a memchr.
 */
const TILDE = 0x7e;
const LETTER_B = 0x62;
const ZERO = 0x30;

export function stampSource(seq: number, issuedEpochMs: number): string {
  return `b~${seq}~${Math.round(issuedEpochMs * 1000)}`;
}

/** Reads the stamp of the frame in `data[start, end)` into `out`; false when it has none. */
export function readStamp(data: Buffer, start: number, end: number, out: { seq: number; issuedMs: number }): boolean {
  const at = data.indexOf(TILDE, start);
  if (at < 0 || at >= end || data[at - 1] !== LETTER_B) return false;
  let index = at + 1;
  let seq = 0;
  for (let byte = data[index]!; byte !== TILDE; byte = data[++index]!) {
    if (index >= end || byte < ZERO || byte > ZERO + 9) return false;
    seq = seq * 10 + (byte - ZERO);
  }
  let micros = 0;
  for (let byte = data[++index]!; index < end && byte >= ZERO && byte <= ZERO + 9; byte = data[++index]!) micros = micros * 10 + (byte - ZERO);
  out.seq = seq;
  out.issuedMs = micros / 1000;
  return true;
}

/** The same stamp from a parsed `source` string (official clients). */
export function parseStamp(source: string): { seq: number; issuedMs: number } | null {
  const match = /^b~(\d+)~(\d+)$/.exec(source);
  return match ? { seq: Number(match[1]), issuedMs: Number(match[2]) / 1000 } : null;
}
