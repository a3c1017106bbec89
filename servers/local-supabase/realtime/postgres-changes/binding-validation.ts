import type { PostgresChangesBinding } from './contract.js';
import { comparable, likeToRegExp, type CompiledFilter } from './filter-match.js';
import { describeParams, parseBinding, type ChangeEvent, type ParsedFilter, type SubscriptionParams } from './filter-parser.js';
import type { QueryPool } from './query-pool.js';
import type { TypeCatalog } from './type-catalog.js';
import { postgrexErrorText, raisedExceptionText } from './postgres-error-text.js';

/** One binding resolved to one published table (a schema-only binding yields one per table). */
export interface BindingTarget {
  /** Identical for identical bindings on one table: subscribers whose keys match are routed together. */
  key: string;
  bindingId: number;
  tableOid: number;
  event: ChangeEvent;
  filters: CompiledFilter[];
  /** Selected columns (PK columns are added at delivery), or null for all. */
  select: ReadonlySet<string> | null;
}

export type ValidationResult = { ok: true; targets: BindingTarget[] } | { ok: false; message: string };

const COMPARISON_SQL: Record<string, string> = { eq: '=', neq: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=', isdistinct: 'is distinct from', in: '=', like: '~~', ilike: '~~*', match: '~', imatch: '~*' };

interface Column {
  name: string;
  type_oid: number;
  type_sql: string;
}

/** A failure of the real server's `subscription_check_filters` trigger (reported as "Exception: …"). */
class SubscriptionException extends Error {}

/**
 * Validates bindings the way the real server does when it inserts `realtime.subscription`
 * rows: parse, resolve published tables, check columns the role may select, cast filter
 * values to the column types. All or nothing: the first failure is the channel's error.
 */
export async function validateBindings(db: QueryPool, types: TypeCatalog, publication: string, role: string, bindings: readonly PostgresChangesBinding[]): Promise<ValidationResult> {
  const targets: BindingTarget[] = [];
  for (const binding of bindings) {
    const parsed = parseBinding(binding);
    if (!parsed.ok) return parsed;
    const params = parsed.params;
    try {
      const tables = await db.query<{ oid: number }>(
        `select c.oid::int8::float8 as oid from pg_catalog.pg_publication_tables pt
         join pg_catalog.pg_namespace n on n.nspname = pt.schemaname
         join pg_catalog.pg_class c on c.relnamespace = n.oid and c.relname = pt.tablename
         where pt.pubname = $1
           and pt.schemaname like (case $2 when '*' then '%' else $2 end) escape ''
           and pt.tablename like (case $3 when '*' then '%' else $3 end) escape ''
           and pt.tablename !~ '\\s'`,
        [publication, params.schema, params.table],
      );
      if (tables.length === 0) {
        return { ok: false, message: `Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [${describeParams(params)}]` };
      }
      for (const table of tables) targets.push(await compileTarget(db, types, binding.id, table.oid, role, params));
    } catch (error) {
      const reason = exceptionText(error);
      if (reason === undefined) throw error;
      return { ok: false, message: `Unable to subscribe to changes with given parameters. An exception happened so please check your connect parameters: [${describeParams(params)}]. Exception: ${reason}` };
    }
  }
  return { ok: true, targets };
}

async function compileTarget(db: QueryPool, types: TypeCatalog, bindingId: number, tableOid: number, role: string, params: SubscriptionParams): Promise<BindingTarget> {
  const columns = await db.query<Column>(
    `select a.attname::text as name, a.atttypid::int8::float8 as type_oid, pg_catalog.format_type(a.atttypid, null) as type_sql
     from pg_catalog.pg_attribute a
     where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped
       and pg_catalog.has_column_privilege($2::text, a.attrelid, a.attnum, 'SELECT')
     order by a.attnum`,
    [tableOid, role],
  );
  const byName = new Map(columns.map((column) => [column.name, column]));
  await types.load(columns.map((column) => column.type_oid));
  const filters: CompiledFilter[] = [];
  for (const filter of params.filters) {
    const column = byName.get(filter.column);
    if (!column) throw new SubscriptionException(`invalid column for filter ${filter.column}`);
    filters.push(await compileFilter(db, types, filter, column));
  }
  for (const name of params.select ?? []) {
    if (!byName.has(name)) throw new SubscriptionException(`invalid column for select ${name}`);
  }
  const key = JSON.stringify([bindingId, tableOid, params.event, params.filters, params.select ?? null]);
  return { key, bindingId, tableOid, event: params.event, filters, select: params.select ? new Set(params.select) : null };
}

async function compileFilter(db: QueryPool, types: TypeCatalog, filter: ParsedFilter, column: Column): Promise<CompiledFilter> {
  const kind = types.get(column.type_oid)?.kind ?? 'text';
  const base = { column: filter.column, op: filter.op, negate: filter.negate, kind };
  const type = column.type_sql;
  if (filter.op === 'is') {
    if (!['null', 'true', 'false', 'unknown'].includes(filter.value)) throw new SubscriptionException('invalid value for is filter: must be null, true, false, or unknown');
    if (filter.value !== 'null' && type !== 'boolean') throw new SubscriptionException(`is ${filter.value} filter requires a boolean column, got ${type}`);
    return { ...base, operand: filter.value };
  }
  let operand: CompiledFilter['operand'];
  if (filter.op === 'in') {
    const rows = await db.queryText(`select x as v from unnest($1::text::${type}[]) as x`, [filter.value]);
    if (rows.length > 100) throw new SubscriptionException('too many values for `in` filter. Maximum 100');
    operand = rows.filter((row) => row.v !== null).map((row) => comparable(row.v!, kind));
  } else if (filter.op === 'like' || filter.op === 'ilike') {
    operand = likeToRegExp(filter.value, filter.op === 'ilike');
  } else if (filter.op === 'match' || filter.op === 'imatch') {
    try {
      await db.query(`select '' ~ $1::text`, [filter.value]);
      operand = new RegExp(filter.value, filter.op === 'imatch' ? 'iu' : 'u');
    } catch (error) {
      throw new SubscriptionException(`invalid regular expression for ${filter.op} filter: ${(error as Error).message}`);
    }
  } else {
    const [row] = await db.queryText(`select $1::text::${type} as v`, [filter.value]);
    operand = comparable(row?.v ?? filter.value, kind);
  }
  try {
    const right = filter.op === 'like' || filter.op === 'ilike' || filter.op === 'match' || filter.op === 'imatch' ? `''` : `null::${type}`;
    await db.query(`select null::${type} ${COMPARISON_SQL[filter.op]} ${right}`);
  } catch (error) {
    throw new SubscriptionException(`operator ${filter.op} is not supported on column ${filter.column} of type ${type}: ${(error as Error).message}`);
  }
  return { ...base, operand };
}

/** The "Exception: …" text upstream reports, or undefined for a failure that is not the filters' fault. */
function exceptionText(error: unknown): string | undefined {
  if (error instanceof SubscriptionException) return raisedExceptionText(error.message);
  if (!hasSqlState(error)) return undefined;
  const { severity, code, message, detail } = error as Error & { severity?: string; code: string; detail?: string };
  return postgrexErrorText({ code, message, ...(severity ? { severity } : {}), ...(detail ? { detail } : {}) });
}

function hasSqlState(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && !code.startsWith('57P');
}
