import type { AccessCatalog, AccessDecision } from './access-catalog.js';
import { noPrimaryKeyData, RowView } from './change-data.js';
import type { PostgresChangeData } from './contract.js';
import { matchesFilters } from './filter-match.js';
import type { QueryPool } from './query-pool.js';
import { checkRowVisibility, type RlsGroup } from './rls-check.js';
import type { SubscriberRegistry, SubscriptionEntry } from './subscriber-registry.js';
import type { RowChange, Transaction } from './transaction-assembler.js';
import type { TypeCatalog } from './type-catalog.js';

export interface Delivery {
  entry: SubscriptionEntry;
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
  entry: SubscriptionEntry;
  ids: Set<number>;
  /** Union of the matching bindings' `select` lists; null when one of them selects everything. */
  select: Set<string> | null;
}

/**
 * Turns one committed transaction into the frames to hand out: event and filter matching per
 * binding, then access per subscriber (privileges, RLS fast path or one batched RLS query per
 * change), then one `data` object per distinct column view (shared, so it serialises once).
 */
export class ChangeRouter {
  readonly counters: RouterCounters = { changes: 0, rlsFastPath: 0, rlsQueries: 0, rlsGroupsChecked: 0 };

  constructor(private readonly deps: ChangeRouterDeps) {}

  async prepare(transaction: Transaction): Promise<Delivery[]> {
    const deliveries: Delivery[] = [];
    for (const change of transaction.changes) {
      this.counters.changes += 1;
      if (this.deps.registry.targetsFor(change.relation.oid).length === 0) continue;
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

    const matches = new Map<SubscriptionEntry, Match>();
    for (const { entry, target } of registry.targetsFor(relation.oid)) {
      if (target.event !== '*' && target.event !== change.kind) continue;
      if (!matchesFilters(target.filters, row.filterValue)) continue;
      let match = matches.get(entry);
      if (!match) matches.set(entry, (match = { entry, ids: new Set(), select: target.select ? new Set(target.select) : null }));
      else if (!target.select) match.select = null;
      else if (match.select) for (const column of target.select) match.select.add(column);
      match.ids.add(target.bindingId);
    }
    if (matches.size === 0) return [];
    const names = { schema: relation.schema, table: relation.table };
    if (primaryKey.length === 0 && change.kind !== 'DELETE') {
      const data = noPrimaryKeyData(names.schema, names.table, change.kind);
      return [...matches.values()].map((match) => ({ entry: match.entry, ids: sortedIds(match.ids), data }));
    }

    const visible: Array<{ match: Match; decision: AccessDecision }> = [];
    const checks = new Map<string, { group: RlsGroup; matches: Array<{ match: Match; decision: AccessDecision }> }>();
    for (const match of matches.values()) {
      let decision = access.decide(match.entry.role, relation.oid);
      if (!decision) {
        access.trackRole(match.entry.role);
        await access.refresh();
        decision = access.decide(match.entry.role, relation.oid);
      }
      if (!decision || !decision.privileged) continue;
      if (change.kind === 'DELETE' || decision.verdict === 'allow') {
        this.counters.rlsFastPath += 1;
        visible.push({ match, decision });
        continue;
      }
      if (decision.verdict === 'deny') continue;
      const groupKey = `${match.entry.role}\u0000${match.entry.claimsJson}`;
      let group = checks.get(groupKey);
      if (!group) checks.set(groupKey, (group = { group: { role: match.entry.role, claimsJson: match.entry.claimsJson }, matches: [] }));
      group.matches.push({ match, decision });
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
      groups.forEach((group, index) => {
        if (answers[index]) visible.push(...group.matches);
      });
    }

    const views = new Map<string, PostgresChangeData>();
    return visible.map(({ match, decision }) => {
      const columns = viewColumns(decision.columns, match.select, primaryKey);
      const viewKey = [...columns].join('\u0000');
      let data = views.get(viewKey);
      if (!data) views.set(viewKey, (data = row.build(names, commitTimestamp, columns)));
      return { entry: match.entry, ids: sortedIds(match.ids), data };
    });
  }
}

function viewColumns(allowed: ReadonlySet<string>, select: Set<string> | null, primaryKey: readonly string[]): ReadonlySet<string> {
  if (!select) return allowed;
  return new Set([...allowed].filter((column) => select.has(column) || primaryKey.includes(column)));
}

function sortedIds(ids: Set<number>): number[] {
  return [...ids].sort((a, b) => a - b);
}
