/**
 * Parses an ISO-8601 timestamp, also in Postgres' text form (`2026-01-02 03:04:05.123456+00`),
 * to ms since epoch; null when it is not a timestamp with a zone.
 */
export function parseTimestamp(text: string): number | null {
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}(?::?\d{2})?)$/i.exec(text.trim());
  if (!match) return null;
  const [, date, time, fraction = '', zone = 'Z'] = match;
  const millis = fraction ? fraction.slice(0, 4).padEnd(4, '0') : '';
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : normalizeOffset(zone);
  const ms = Date.parse(`${date}T${time}${millis}${offset}`);
  return Number.isFinite(ms) ? ms : null;
}

function normalizeOffset(zone: string): string {
  const digits = zone.slice(1).replace(':', '');
  return `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4).padEnd(2, '0')}`;
}
