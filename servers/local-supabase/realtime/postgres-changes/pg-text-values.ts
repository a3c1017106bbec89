import { parseArrayLiteral, type ArrayText } from './pg-array.js';
import type { TypeInfo } from './type-catalog.js';

/**
 * Converts one value from Postgres text output to the JSON value `to_jsonb(value)` gives:
 * numbers for numeric types, booleans, parsed json/jsonb, ISO timestamps with `T` and a
 * `+HH:MM` offset, arrays, and bytea as hex without `\x`.
 */
export function textToJson(text: string | null, type: TypeInfo): unknown {
  if (text === null) return null;
  switch (type.kind) {
    case 'integer':
    case 'number': {
      const value = Number(text);
      return Number.isFinite(value) ? value : text;
    }
    case 'bool':
      return text === 't';
    case 'json':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    case 'timestamptz':
      return text.includes(' ') ? withColonOffset(text.replace(' ', 'T')) : text;
    case 'timestamp':
      return text.replace(' ', 'T');
    case 'timetz':
      return withColonOffset(text);
    case 'bytea':
      return text.startsWith('\\x') ? text.slice(2) : text;
    case 'array': {
      const element = type.element;
      if (!element) return text;
      const convert = (items: ArrayText): unknown[] => items.map((item) => (Array.isArray(item) ? convert(item) : textToJson(item, element)));
      return convert(parseArrayLiteral(text, element.delimiter));
    }
    default:
      return text;
  }
}

/** `…+00` → `…+00:00`, `…-03:30` unchanged; BC and infinity values are left alone. */
function withColonOffset(text: string): string {
  return /[+-]\d\d$/.test(text) ? `${text}:00` : text;
}
