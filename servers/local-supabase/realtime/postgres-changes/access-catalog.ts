import type { QueryPool } from './query-pool.js';

export interface TableAccessInfo {
  oid: number;
  schema: string;
  name: string;
  rls: boolean;
  forceRls: boolean;
  owner: number;
  primaryKey: string[];
  /** SQL type of each primary-key column (`format_type`), for casts in the RLS query. */
  primaryKeyTypes: string[];
  /** SELECT-applicable (`r` or `*`) policies. */
  policies: Array<{ permissive: boolean; roles: number[]; qualIsTrue: boolean }>;
}

interface RoleInfo {
  oid: number;
  bypass: boolean;
  memberOf: Set<number>;
}

/**
 * allow = deliver without a query; deny = never deliver; check = run the RLS query.
 * `columns` are the columns the role may SELECT.
 */
export interface AccessDecision {
  verdict: 'allow' | 'deny' | 'check';
  /** The role may SELECT the table's key columns at all (what DELETEs, never RLS-checked, need). */
  privileged: boolean;
  columns: ReadonlySet<string>;
}

const TABLES_SQL = `
select c.oid::int8::float8 as oid, n.nspname as schema, c.relname as name,
  c.relrowsecurity as rls, c.relforcerowsecurity as force_rls, c.relowner::int8::float8 as owner,
  coalesce((select array_agg(a.attname::text order by array_position(i.indkey::int2[], a.attnum))
    from pg_catalog.pg_index i join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey::int2[])
    where i.indrelid = c.oid and i.indisprimary), '{}') as primary_key,
  coalesce((select array_agg(pg_catalog.format_type(a.atttypid, null) order by array_position(i.indkey::int2[], a.attnum))
    from pg_catalog.pg_index i join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey::int2[])
    where i.indrelid = c.oid and i.indisprimary), '{}') as primary_key_types,
  coalesce((select json_agg(json_build_object('permissive', p.polpermissive, 'roles', p.polroles::int8[],
      'qualIsTrue', coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid) = 'true', false)))
    from pg_catalog.pg_policy p where p.polrelid = c.oid and p.polcmd in ('r', '*')), '[]') as policies
from pg_catalog.pg_publication_tables pt
join pg_catalog.pg_namespace n on n.nspname = pt.schemaname
join pg_catalog.pg_class c on c.relnamespace = n.oid and c.relname = pt.tablename
where pt.pubname = $1`;

const ROLES_SQL = `
select r.rolname::text as name, r.oid::int8::float8 as oid, (r.rolsuper or r.rolbypassrls) as bypass,
  array(select m.oid::int8::float8 from pg_catalog.pg_roles m where pg_catalog.pg_has_role(r.oid, m.oid, 'USAGE')) as member_of
from pg_catalog.pg_roles r where r.rolname = any($1::text[])`;

const PRIVILEGES_SQL = `
select r.rolname::text as role, a.attrelid::int8::float8 as table_oid, array_agg(a.attname::text) as columns
from pg_catalog.pg_roles r cross join pg_catalog.pg_attribute a
where r.rolname = any($1::text[]) and a.attrelid = any($2::oid[]) and a.attnum > 0 and not a.attisdropped
  and pg_catalog.has_column_privilege(r.oid, a.attrelid, a.attnum, 'SELECT')
group by 1, 2`;

/**
 * A periodically refreshed snapshot of what RLS needs to know without a query per change:
 * published tables (RLS flags, owner, PK, SELECT policies), roles (bypass, memberships) and
 * column privileges of the roles subscribers use.
 */
export class AccessCatalog {
  private tables = new Map<number, TableAccessInfo>();
  private roles = new Map<string, RoleInfo>();
  private privileges = new Map<string, Set<string>>();
  private decisions = new Map<string, AccessDecision>();
  private readonly trackedRoles = new Set<string>();
  private inFlight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  refreshes = 0;

  constructor(
    private readonly db: QueryPool,
    private readonly publication: string,
  ) {}

  table(oid: number): TableAccessInfo | undefined {
    return this.tables.get(oid);
  }

  trackRole(role: string): void {
    this.trackedRoles.add(role);
  }

  /** Resolves after a refresh that started after this call has finished. */
  refresh(): Promise<void> {
    if (!this.inFlight) {
      this.inFlight = this.load().finally(() => (this.inFlight = undefined));
      return this.inFlight;
    }
    this.queued ??= this.inFlight.catch(() => undefined).then(() => {
      this.queued = undefined;
      return this.refresh();
    });
    return this.queued;
  }

  decide(role: string, tableOid: number): AccessDecision | undefined {
    const key = `${role}\u0000${tableOid}`;
    const cached = this.decisions.get(key);
    if (cached) return cached;
    const table = this.tables.get(tableOid);
    const roleInfo = this.roles.get(role);
    if (!table || !roleInfo) return undefined;
    const columns = this.privileges.get(key) ?? new Set<string>();
    const privileged = columns.size > 0 && table.primaryKey.every((column) => columns.has(column));
    const decision: AccessDecision = { verdict: privileged ? verdictFor(table, roleInfo) : 'deny', privileged, columns };
    this.decisions.set(key, decision);
    return decision;
  }

  private async load(): Promise<void> {
    const tableRows = await this.db.query<{ oid: number; schema: string; name: string; rls: boolean; force_rls: boolean; owner: number; primary_key: string[]; primary_key_types: string[]; policies: TableAccessInfo['policies'] }>(TABLES_SQL, [this.publication]);
    const roleNames = [...this.trackedRoles];
    const roleRows = await this.db.query<{ name: string; oid: number; bypass: boolean; member_of: number[] }>(ROLES_SQL, [roleNames]);
    const privilegeRows = await this.db.query<{ role: string; table_oid: number; columns: string[] }>(PRIVILEGES_SQL, [roleNames, tableRows.map((row) => row.oid)]);
    this.tables = new Map(tableRows.map((row) => [row.oid, { oid: row.oid, schema: row.schema, name: row.name, rls: row.rls, forceRls: row.force_rls, owner: row.owner, primaryKey: row.primary_key, primaryKeyTypes: row.primary_key_types, policies: row.policies }]));
    this.roles = new Map(roleRows.map((row) => [row.name, { oid: row.oid, bypass: row.bypass, memberOf: new Set(row.member_of) }]));
    this.privileges = new Map(privilegeRows.map((row) => [`${row.role}\u0000${row.table_oid}`, new Set(row.columns)]));
    this.decisions = new Map();
    this.refreshes += 1;
  }
}

function verdictFor(table: TableAccessInfo, role: RoleInfo): AccessDecision['verdict'] {
  if (!table.rls || role.bypass || (role.oid === table.owner && !table.forceRls)) return 'allow';
  const applicable = table.policies.filter((policy) => policy.roles.some((oid) => oid === 0 || role.memberOf.has(oid)));
  if (applicable.some((policy) => !policy.permissive)) return 'check';
  const permissive = applicable.filter((policy) => policy.permissive);
  if (permissive.length === 0) return 'deny';
  return permissive.some((policy) => policy.qualIsTrue) ? 'allow' : 'check';
}
