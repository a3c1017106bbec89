import type { QueryPool } from './query-pool.js';

export interface RlsGroup {
  role: string;
  claimsJson: string;
}

export interface RowKey {
  schema: string;
  table: string;
  /** Primary-key columns with their SQL type and the committed value (text output). */
  columns: Array<{ name: string; typeSql: string; text: string }>;
  /** The committing transaction (32-bit id from pgoutput Begin). */
  xid: number;
}

/** Attempts while the committed transaction is not yet visible to new snapshots (~1 ms apart). */
const VISIBILITY_ATTEMPTS = 500;

/**
 * True when transaction \`xid\` is visible to this statement's snapshot. Logical decoding can
 * hand out a commit a moment before other sessions see it (WAL is flushed before the commit
 * is published in the proc array), so an RLS query run at once could miss the new row.
 */
function visibilityProbe(xid: number): string {
  return `with s as (select pg_current_snapshot() as snap),
    x as (select snap, ((pg_snapshot_xmax(snap)::text::int8 >> 32) << 32) + ${xid} as full_xid, pg_snapshot_xmax(snap)::text::int8 as xmax from s)
  select pg_visible_in_snapshot((case when full_xid >= xmax then full_xid - 4294967296 else full_xid end)::text::xid8, snap) as committed_visible from x`;
}

/**
 * Asks Postgres, once per change, which (role, claims) groups may SELECT the row: one
 * round trip, one transaction switching `role` and `request.jwt.claims` per group.
 * A failing policy (SQL error) denies every group of that change.
 */
export async function checkRowVisibility(db: QueryPool, row: RowKey, groups: readonly RlsGroup[], log: (line: string) => void): Promise<boolean[]> {
  if (groups.length === 0) return [];
  const where = row.columns.map((column) => `${ident(column.name)} = ${literal(column.text)}::${column.typeSql}`).join(' and ');
  const check = `select exists(select 1 from ${ident(row.schema)}.${ident(row.table)} where ${where}) as visible`;
  const order = groups.map((_group, index) => index).sort((a, b) => (groups[a]!.role < groups[b]!.role ? -1 : groups[a]!.role > groups[b]!.role ? 1 : 0));
  // No explicit BEGIN: a multi-statement query is one implicit transaction (SET LOCAL holds for
  // it) that Postgres itself rolls back on error, so a pooled connection is never left aborted.
  const statements: string[] = [visibilityProbe(row.xid)];
  let currentRole: string | undefined;
  for (const index of order) {
    const group = groups[index]!;
    if (group.role !== currentRole) {
      statements.push(`set local role ${ident(group.role)}`);
      currentRole = group.role;
    }
    statements.push(`select set_config('request.jwt.claims', ${literal(group.claimsJson)}, true)`, check);
  }
  try {
    let results = await db.multi(statements.join(';\n'));
    for (let attempt = 1; attempt < VISIBILITY_ATTEMPTS && !isVisible(results); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      results = await db.multi(statements.join(';\n'));
    }
    const visible = results.filter((result) => result.fields?.[0]?.name === 'visible').map((result) => (result.rows[0] as { visible: boolean }).visible);
    const answer = new Array<boolean>(groups.length).fill(false);
    order.forEach((groupIndex, position) => (answer[groupIndex] = visible[position] === true));
    return answer;
  } catch (error) {
    log(`realtime: postgres_changes: RLS check on ${row.schema}.${row.table} failed, not delivering: ${(error as Error).message}`);
    return new Array<boolean>(groups.length).fill(false);
  }
}

function isVisible(results: Array<{ rows: unknown[] }>): boolean {
  return (results[0]?.rows[0] as { committed_visible?: boolean } | undefined)?.committed_visible === true;
}

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
