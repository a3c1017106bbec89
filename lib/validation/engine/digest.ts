import type { MonitoringEvent } from '@/lib/monitoring/model';

/** Canonical JSON: object keys sorted at every level, so equal payloads digest equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

/**
 * FNV-1a 64-bit over the string's UTF-16 code units (= the standard byte-wise hash for
 * ASCII), as 16 hex characters; BigInt-free with two 32-bit halves. Not cryptographic:
 * it detects accidental differences between two deliveries of one event.
 */
export function fnv1a64(text: string): string {
  let h1 = 0x84222325;
  let h2 = 0xcbf29ce4;
  for (let i = 0; i < text.length; i += 1) {
    h1 = (h1 ^ text.charCodeAt(i)) >>> 0;
    // Multiply the 64-bit (h2:h1) by the FNV prime 0x100000001b3.
    // (h2:h1) × (2^40 + 0x1b3) mod 2^64; the 2^40 part only moves h1 into the high word.
    const lo = h1 * 0x1b3;
    const hi = h2 * 0x1b3 + Math.floor(lo / 0x100000000) + ((h1 << 8) >>> 0);
    h1 = lo >>> 0;
    h2 = hi >>> 0;
  }
  return h2.toString(16).padStart(8, '0') + h1.toString(16).padStart(8, '0');
}

/** The event's content as both transports must deliver it: everything but provenance. */
export function eventPayload(event: MonitoringEvent): Record<string, unknown> {
  const { provenance: _provenance, ...payload } = event;
  return payload;
}

export function eventDigest(event: MonitoringEvent): string {
  return fnv1a64(canonicalJson(eventPayload(event)));
}
