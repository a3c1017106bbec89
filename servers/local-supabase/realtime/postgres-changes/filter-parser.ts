import type { PostgresChangesBinding } from './contract.js';
import { inspectElixir, inspectElixirMap, type ElixirTerm } from './elixir-inspect.js';

export const FILTER_OPS = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'like', 'ilike', 'is', 'match', 'imatch', 'isdistinct'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];
export type ChangeEvent = '*' | 'INSERT' | 'UPDATE' | 'DELETE';

/** One `column=[not.]op.value` condition; `in` values are kept as a Postgres array literal `{a,b}`. */
export interface ParsedFilter {
  column: string;
  op: FilterOp;
  value: string;
  negate: boolean;
}

/** A binding as the real server's `parse_subscription_params` normalises it (`*` = any). */
export interface SubscriptionParams {
  event: ChangeEvent;
  schema: string;
  table: string;
  filters: ParsedFilter[];
  select: string[] | null;
}

export type ParseResult = { ok: true; params: SubscriptionParams } | { ok: false; message: string };

/** Parses one `config.postgres_changes` entry; error messages are the real server's. */
export function parseBinding(binding: PostgresChangesBinding): ParseResult {
  const raw = binding as unknown as Record<string, unknown>;
  const has = (key: string) => raw[key] !== undefined;
  const event = actionFilter(raw.event);
  let select: string[] | null = null;
  if (has('select')) {
    if (typeof raw.select === 'string') return { ok: false, message: 'Error parsing `select` params: expected a list of column name strings, e.g. select: ["col1", "col2"]' };
    if (Array.isArray(raw.select)) {
      const columns = raw.select.filter((column): column is string => typeof column === 'string');
      select = columns.length > 0 ? columns : null;
    }
  }
  const { schema, table, filter } = raw;
  let params: SubscriptionParams | undefined;
  if (typeof schema === 'string' && typeof table === 'string' && typeof filter === 'string') {
    const filters = parseFilters(filter);
    if (!filters.ok) return { ok: false, message: `Error parsing \`filter\` params: ${filters.message}` };
    params = { event, schema, table, filters: filters.filters, select };
  } else if (typeof schema === 'string' && typeof table === 'string' && !has('filter')) {
    params = { event, schema, table, filters: [], select };
  } else if (typeof schema === 'string' && !has('table') && !has('filter')) {
    params = { event, schema, table: '*', filters: [], select };
  } else if (typeof table === 'string' && !has('schema') && !has('filter')) {
    params = { event, schema: 'public', table, filters: [], select };
  }
  if (!params) {
    const shown: Record<string, ElixirTerm | undefined> = {};
    for (const [key, value] of Object.entries(raw)) if (key !== 'id' && value !== undefined) shown[key] = toTerm(value);
    return { ok: false, message: `No subscription params provided. Please provide at least a \`schema\` or \`table\` to subscribe to: ${inspectElixirMap(shown)}` };
  }
  if (params.select && (params.schema === '*' || params.table === '*')) {
    return { ok: false, message: 'Column selection is not supported for wildcard subscriptions. Provide an explicit schema and table name.' };
  }
  return { ok: true, params };
}

/** `event: INSERT, schema: public, table: todos, filters: [{"id", "eq", "5", false}], select: nil` */
export function describeParams(params: SubscriptionParams): string {
  const filters = inspectElixir(params.filters.map((f) => ({ tuple: [f.column, f.op, f.value, f.negate] })));
  return `event: ${params.event}, schema: ${params.schema}, table: ${params.table}, filters: ${filters}, select: ${inspectElixir(params.select)}`;
}

function actionFilter(event: unknown): ChangeEvent {
  if (typeof event !== 'string') return '*';
  const upper = event.toUpperCase();
  return upper === 'INSERT' || upper === 'UPDATE' || upper === 'DELETE' ? upper : '*';
}

function toTerm(value: unknown): ElixirTerm {
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value)) return value.map(toTerm);
  return JSON.stringify(value);
}

function parseFilters(filter: string): { ok: true; filters: ParsedFilter[] } | { ok: false; message: string } {
  const trimmed = filter.trim();
  if (trimmed === '') return { ok: true, filters: [] };
  const filters: ParsedFilter[] = [];
  for (const segment of splitTopLevel(trimmed)) {
    const parsed = parseSegment(segment);
    if (!parsed.ok) return parsed;
    filters.push(parsed.filter);
  }
  return { ok: true, filters };
}

/** Splits on commas outside parentheses and outside quotes opened after `.`, `(` or `,`. */
function splitTopLevel(filter: string): string[] {
  const segments: string[] = [];
  let current = '';
  let depth = 0;
  let quoted = false;
  let previous = '';
  for (let index = 0; index < filter.length; index += 1) {
    const char = filter[index]!;
    if (quoted) {
      if (char === '\\' && index + 1 < filter.length) {
        current += char + filter[index + 1];
        previous = filter[index + 1]!;
        index += 1;
      } else {
        current += char;
        if (char === '"') quoted = false;
        previous = char;
      }
      continue;
    }
    if (char === '"' && (previous === '.' || previous === '(' || previous === ',')) quoted = true;
    else if (char === '(') depth += 1;
    else if (char === ')') depth = Math.max(0, depth - 1);
    else if (char === ',' && depth === 0) {
      segments.push(current);
      current = '';
      previous = '';
      continue;
    }
    current += char;
    previous = char;
  }
  segments.push(current);
  return segments;
}

function parseSegment(segment: string): { ok: true; filter: ParsedFilter } | { ok: false; message: string } {
  const trimmed = segment.trim();
  if (trimmed === '') return { ok: false, message: 'filter must not contain empty segments (check for extra commas)' };
  const parts = splitOnce(trimmed, '=');
  if (parts.length !== 2) return { ok: false, message: inspectElixir(parts) };
  const [column, rest] = parts as [string, string];
  const negate = rest.startsWith('not.');
  const opValue = splitOnce(negate ? rest.slice(4) : rest, '.');
  if (opValue.length !== 2) return { ok: false, message: inspectElixir(opValue) };
  const [op, value] = opValue as [string, string];
  if (!(FILTER_OPS as readonly string[]).includes(op)) return { ok: false, message: inspectElixir([op, value]) };
  if (op === 'in') {
    if (value.length < 2 || !value.startsWith('(') || !value.endsWith(')')) return { ok: false, message: '`in` filter value must be wrapped by parentheses' };
    return { ok: true, filter: { column, op, value: `{${value.slice(1, -1)}}`, negate } };
  }
  return { ok: true, filter: { column, op: op as FilterOp, value: unquote(value), negate } };
}

function splitOnce(text: string, separator: string): string[] {
  const index = text.indexOf(separator);
  return index < 0 ? [text] : [text.slice(0, index), text.slice(index + 1)];
}

/** PostgREST quoting: `"a,b"` → `a,b`, backslash escapes; malformed quoting is kept verbatim. */
function unquote(value: string): string {
  if (!value.startsWith('"')) return value;
  let out = '';
  for (let index = 1; index < value.length; index += 1) {
    const char = value[index]!;
    if (char === '"') return index === value.length - 1 ? out : value;
    if (char === '\\' && index + 1 < value.length) {
      index += 1;
      out += value[index];
    } else out += char;
  }
  return value;
}
