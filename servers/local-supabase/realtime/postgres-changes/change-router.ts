import type { AccessCatalog, AccessDecision } from './access-catalog.js';
import { noPrimaryKeyData, RowView } from './change-data.js';
import type { PostgresChangeData } from './contract.js';
import { matchesFilters } from './filter-match.js';
import type { QueryPool } from './query-pool.js';
import { checkRowVisibility, type RlsGroup } from './rls-check.js';
import type { Cohort, SubscriberRegistry, SubscriptionEntry } from './subscriber-registry.js';
import type { RowChange, Transaction } from './transaction-assembler.js';
import type { TypeCatalog } from './type-catalog.js';

/** One frame's worth: the same ids and data for every subscriber in `entries`. */
export interface Delivery {
  entries: readonly SubscriptionEntry[];
  ids: number[];
  data: PostgresChangeData;
}

export interface RouterCounters {
  changes: number;
  rlsFastPath: number;
  rlsQueries: number;
  rlsGroupsChecked: number;
}

export interface ChangeRouterDeps {
  registry: SubscriberRegistry;
  access: AccessCatalog;
  types: TypeCatalog;
  db: QueryPool;
  log(line: string): void;
}

interface Match {
  cohort: Cohort;
  /** The matching bindings' ids, ascending. */
  ids: number[];
  /** Union of the matching bindings' `select` lists; null when one of them selects everything. */
  select: Set<string> | null;
}

interface Visible {
  match: Match;
  decision: AccessDecision;
  entries: readonly SubscriptionEntry[];
}

/**
 * Turns one committed transaction into the frames to hand out: event and filter matching per
 * cohort of alike subscribers, then access per cohort (privileges, RLS fast path) or per
 * subscriber's claims (one batched RLS query per change), then one `data` object per distinct
 * column view (shared, so it serialises once).
 */
export class ChangeRouter {
  readonly counters: RouterCounters = { changes: 0, rlsFastPath: 0, rlsQueries: 0, rlsGroupsChecked: 0 };

  constructor(private readonly deps: ChangeRouterDeps) {}

  async prepare(transaction: Transaction): Promise<Delivery[]> {
    const deliveries: Delivery[] = [];
    for (const change of transaction.changes) {
      this.counters.changes += 1;
      if (this.deps.registry.cohortsFor(change.relation.oid).length === 0) continue;
      deliveries.push(...(await this.route(change, transaction)));
    }
    return deliveries;
  }

  private async route(change: RowChange, transaction: Transaction): Promise<Delivery[]> {
    const { commitTimestamp } = transaction;
    const { registry, access, types } = this.deps;
    const { relation } = change;
    const missingTypes = relation.columns.map((column) => column.typeOid).filter((oid) => !types.get(oid));
    if (missingTypes.length > 0) await types.load(missingTypes);
    if (!access.table(relation.oid)) await access.refresh();
    const table = access.table(relation.oid);
    const primaryKey = table?.primaryKey ?? [];
    const row = new RowView(change, primaryKey, types, table?.rls ?? true);

    const matches: Match[] = [];
    for (const cohort of registry.cohortsFor(relation.oid)) {
      const match = matchCohort(cohort, change.kind, row);
      if (match) matches.push(match);
    }
    if (matches.length === 0) return [];
    const names = { schema: relation.schema, table: relation.table };
    if (primaryKey.length === 0 && change.kind !== 'DELETE') {
      const data = noPrimaryKeyData(names.schema, names.table, change.kind);
      return matches.map((match) => ({ entries: match.cohort.entries, ids: match.ids, data }));
    }

    const visible: Visible[] = [];
    const checks = new Map<string, { group: RlsGroup; members: Array<{ match: Match; decision: AccessDecision; entry: SubscriptionEntry }> }>();
    for (const match of matches) {
      const { role } = match.cohort;
      let decision = access.decide(role, relation.oid);
      if (!decision) {
        access.trackRole(role);
        await access.refresh();
        decision = access.decide(role, relation.oid);
      }
      if (!decision || !decision.privileged) continue;
      if (change.kind === 'DELETE' || decision.verdict === 'allow') {
        this.counters.rlsFastPath += match.cohort.entries.length;
        visible.push({ match, decision, entries: match.cohort.entries });
        continue;
      }
      if (decision.verdict === 'deny') continue;
      for (const entry of match.cohort.entries) {
        const groupKey = `${role}\u0000${entry.claimsJson}`;
        let group = checks.get(groupKey);
        if (!group) checks.set(groupKey, (group = { group: { role, claimsJson: entry.claimsJson }, members: [] }));
        group.members.push({ match, decision, entry });
      }
    }
    if (checks.size > 0) {
      const groups = [...checks.values()];
      const keyTypes = table?.primaryKeyTypes ?? [];
      const columns = primaryKey.flatMap((name, index) => {
        const text = row.primaryKeyText(name);
        const typeSql = keyTypes[index];
        return typeof text === 'string' && typeSql ? [{ name, typeSql, text }] : [];
      });
      this.counters.rlsQueries += 1;
      this.counters.rlsGroupsChecked += groups.length;
      const answers =
        columns.length === primaryKey.length
          ? await checkRowVisibility(this.deps.db, { schema: relation.schema, table: relation.table, columns, xid: transaction.xid }, groups.map((group) => group.group), this.deps.log)
          : groups.map(() => false);
      const allowed = new Map<Match, { decision: AccessDecision; entries: SubscriptionEntry[] }>();
      groups.forEach((group, index) => {
        if (!answers[index]) return;
        for (const { match, decision, entry } of group.members) {
          let passed = allowed.get(match);
          if (!passed) allowed.set(match, (passed = { decision, entries: [] }));
          passed.entries.push(entry);
        }
      });
      for (const [match, { decision, entries }] of allowed) visible.push({ match, decision, entries });
    }

    const views = new Map<string, PostgresChangeData>();
    return visible.map(({ match, decision, entries }) => {
      const columns = viewColumns(decision.columns, match.select, primaryKey);
      const viewKey = [...columns].join('\u0000');
      let data = views.get(viewKey);
      if (!data) views.set(viewKey, (data = row.build(names, commitTimestamp, columns)));
      return { entries, ids: match.ids, data };
    });
  }
}

/** The cohort's bindings that this change satisfies (event and filters), or null when none does. */
function matchCohort(cohort: Cohort, kind: RowChange['kind'], row: RowView): Match | null {
  let match: Match | null = null;
  for (const target of cohort.targets) {
    if (target.event !== '*' && target.event !== kind) continue;
    if (!matchesFilters(target.filters, row.filterValue)) continue;
    if (!match) match = { cohort, ids: [], select: target.select ? new Set(target.select) : null };
    else if (!target.select) match.select = null;
    else if (match.select) for (const column of target.select) match.select.add(column);
    if (!match.ids.includes(target.bindingId)) match.ids.push(target.bindingId);
  }
  match?.ids.sort((a, b) => a - b);
  return match;
}

function viewColumns(allowed: ReadonlySet<string>, select: Set<string> | null, primaryKey: readonly string[]): ReadonlySet<string> {
  if (!select) return allowed;
  return new Set([...allowed].filter((column) => select.has(column) || primaryKey.includes(column)));
}
