import type { FilterOp } from './filter-parser.js';
import type { TupleValue } from './pgoutput.js';
import type { ValueKind } from './type-catalog.js';

type Comparable = bigint | number | string;

/** A validated filter, with its operand already in the column's canonical text form and type. */
export interface CompiledFilter {
  column: string;
  op: FilterOp;
  negate: boolean;
  kind: ValueKind;
  /** eq…gte, isdistinct: one operand; in: the list; is: the keyword; like/match: a RegExp. */
  operand: Comparable | Comparable[] | RegExp;
}

/** Parses canonical text (the WAL's, or a cast filter value) into something ordered like Postgres orders it. */
export function comparable(text: string, kind: ValueKind): Comparable {
  switch (kind) {
    case 'integer':
      try {
        return BigInt(text);
      } catch {
        return text;
      }
    case 'number': {
      const value = Number(text);
      return Number.isNaN(value) ? text : value;
    }
    case 'timestamptz':
    case 'timestamp':
    case 'date':
      return epochMicros(text) ?? text;
    default:
      return text;
  }
}

function compare(a: Comparable, b: Comparable): number {
  if (typeof a === typeof b || (typeof a !== 'string' && typeof b !== 'string')) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** SQL three-valued result: true, false or null (unknown, e.g. a NULL column). */
function evaluate(filter: CompiledFilter, text: string | null): boolean | null {
  const { op, operand } = filter;
  if (op === 'is') {
    if (operand === 'null') return text === null;
    if (operand === 'true') return text === 't';
    if (operand === 'false') return text === 'f';
    return text === null; // unknown
  }
  if (op === 'isdistinct') return text === null ? true : compare(comparable(text, filter.kind), operand as Comparable) !== 0;
  if (text === null) return null;
  if (operand instanceof RegExp) return operand.test(text);
  if (op === 'in') {
    const value = comparable(text, filter.kind);
    return (operand as Comparable[]).some((item) => compare(value, item) === 0);
  }
  const order = compare(comparable(text, filter.kind), operand as Comparable);
  switch (op) {
    case 'eq':
      return order === 0;
    case 'neq':
      return order !== 0;
    case 'lt':
      return order < 0;
    case 'lte':
      return order <= 0;
    case 'gt':
      return order > 0;
    default:
      return order >= 0;
  }
}

/**
 * True when every filter holds for the row. A column missing from the tuple (not in the
 * replica identity, or an unchanged TOAST value) fails closed.
 */
export function matchesFilters(filters: readonly CompiledFilter[], valueOf: (column: string) => TupleValue): boolean {
  for (const filter of filters) {
    const text = valueOf(filter.column);
    if (text === undefined) return false;
    const result = evaluate(filter, text);
    if (result === null || result === filter.negate) return false;
  }
  return true;
}

/** LIKE / ILIKE pattern → RegExp (`%` any run, `_` one char, backslash escapes). */
export function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index]!;
    if (char === '\\' && index + 1 < pattern.length) {
      index += 1;
      source += escapeRegExp(pattern[index]!);
    } else if (char === '%') source += '.*';
    else if (char === '_') source += '.';
    else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, caseInsensitive ? 'isu' : 'su');
}

function escapeRegExp(char: string): string {
  return /[.*+?^${}()|[\]\\/-]/.test(char) ? `\\${char}` : char;
}

const TIMESTAMP = /^(\d{4,})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?)?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?$/;

/** `2026-11-18 14:41:53.123456+00` → µs since the Unix epoch (infinity → ±Infinity). */
function epochMicros(text: string): number | undefined {
  if (text === 'infinity') return Number.POSITIVE_INFINITY;
  if (text === '-infinity') return Number.NEGATIVE_INFINITY;
  const match = TIMESTAMP.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, sign, offsetH, offsetM, offsetS] = match;
  const millis = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour ?? 0), Number(minute ?? 0), Number(second ?? 0));
  const micros = Number((fraction ?? '').padEnd(6, '0'));
  const offset = sign ? (sign === '-' ? -1 : 1) * (Number(offsetH) * 3600 + Number(offsetM ?? 0) * 60 + Number(offsetS ?? 0)) : 0;
  return millis * 1000 + micros - offset * 1_000_000;
}
