/**
 * Renders values the way Elixir's `inspect/1` does, because the real server's error
 * messages embed inspected terms (`Error parsing \`filter\` params: ["foo", "1"]`).
 */
export type ElixirTerm = string | boolean | null | ElixirTerm[] | { tuple: ElixirTerm[] };

export function inspectElixir(term: ElixirTerm): string {
  if (term === null) return 'nil';
  if (typeof term === 'boolean') return String(term);
  if (typeof term === 'string') return inspectString(term);
  if (Array.isArray(term)) return `[${term.map(inspectElixir).join(', ')}]`;
  return `{${term.tuple.map(inspectElixir).join(', ')}}`;
}

function inspectString(value: string): string {
  const escaped = value
    .replaceAll('\\', '\\\\')
    .replaceAll('"', '\\"')
    .replaceAll('#{', '\\#{')
    .replaceAll('\n', '\\n')
    .replaceAll('\t', '\\t')
    .replaceAll('\r', '\\r');
  return `"${escaped}"`;
}

/** `%{"event" => "INSERT", "schema" => "public"}` (keys sorted, as Elixir prints small maps). */
export function inspectElixirMap(entries: Record<string, ElixirTerm | undefined>): string {
  const keys = Object.keys(entries)
    .filter((key) => entries[key] !== undefined)
    .sort();
  return `%{${keys.map((key) => `${inspectString(key)} => ${inspectElixir(entries[key]!)}`).join(', ')}}`;
}
