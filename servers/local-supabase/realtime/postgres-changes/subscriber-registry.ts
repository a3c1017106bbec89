import type { BindingTarget } from './binding-validation.js';
import type { PostgresChangesSubscriber, SubscriberClaims } from './contract.js';

/** A live subscription: the subscriber, its current claims, and its bindings resolved to tables. */
export interface SubscriptionEntry {
  readonly key: string;
  readonly subscriber: PostgresChangesSubscriber;
  claims: SubscriberClaims;
  role: string;
  claimsJson: string;
  targets: BindingTarget[];
  /** False once unsubscribed/replaced: deliveries prepared earlier are dropped. */
  active: boolean;
}

/**
 * Subscribers of one table that route alike: the same role and the same bindings on it
 * (same keys, so the same ids and filters). A change is matched once per cohort, not once
 * per subscriber; `entries` is never changed after the index is built (a new index makes new
 * arrays), so deliveries prepared from it keep the membership of their time.
 */
export interface Cohort {
  role: string;
  targets: readonly BindingTarget[];
  entries: readonly SubscriptionEntry[];
}

/** Live subscriptions, indexed by table OID (and cohort) for routing. */
export class SubscriberRegistry {
  private readonly entries = new Map<string, SubscriptionEntry>();
  private byTable: Map<number, Cohort[]> | undefined;

  get size(): number {
    return this.entries.size;
  }

  get(key: string): SubscriptionEntry | undefined {
    return this.entries.get(key);
  }

  roles(): Set<string> {
    return new Set([...this.entries.values()].map((entry) => entry.role));
  }

  set(entry: SubscriptionEntry): void {
    const previous = this.entries.get(entry.key);
    if (previous && previous !== entry) previous.active = false;
    this.entries.set(entry.key, entry);
    this.byTable = undefined;
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.active = false;
    this.entries.delete(key);
    this.byTable = undefined;
  }

  /** Call after changing an entry's targets in place. */
  reindex(): void {
    this.byTable = undefined;
  }

  cohortsFor(tableOid: number): readonly Cohort[] {
    if (!this.byTable) this.byTable = buildIndex(this.entries.values());
    return this.byTable.get(tableOid) ?? [];
  }
}

function buildIndex(entries: Iterable<SubscriptionEntry>): Map<number, Cohort[]> {
  const cohorts = new Map<string, Cohort & { entries: SubscriptionEntry[] }>();
  const index = new Map<number, Cohort[]>();
  for (const entry of entries) {
    const perTable = new Map<number, BindingTarget[]>();
    for (const target of entry.targets) {
      let targets = perTable.get(target.tableOid);
      if (!targets) perTable.set(target.tableOid, (targets = []));
      targets.push(target);
    }
    for (const [tableOid, targets] of perTable) {
      const key = `${tableOid}\u0000${entry.role}\u0000${targets.map((target) => target.key).join('\u0000')}`;
      let cohort = cohorts.get(key);
      if (!cohort) {
        cohorts.set(key, (cohort = { role: entry.role, targets, entries: [] }));
        let list = index.get(tableOid);
        if (!list) index.set(tableOid, (list = []));
        list.push(cohort);
      }
      cohort.entries.push(entry);
    }
  }
  return index;
}

export function claimsOf(claims: SubscriberClaims): { role: string; claimsJson: string } {
  return { role: typeof claims.role === 'string' && claims.role !== '' ? claims.role : 'anon', claimsJson: JSON.stringify(claims) };
}
