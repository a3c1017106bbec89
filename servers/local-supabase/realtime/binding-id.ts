/**
 * Deterministic binding id for a `config.postgres_changes` entry: FNV-1a over the entry's
 * canonical JSON (keys sorted), folded into 1..2^27-1. Identical params give identical ids
 * across rejoins and clients (like the real server's `phash2`); never 0, because the client
 * tests ids for truthiness.
 */
export function bindingId(entry: Record<string, unknown>): number {
  const text = canonicalJson(entry);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash % 0x7ffffff) + 1;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
