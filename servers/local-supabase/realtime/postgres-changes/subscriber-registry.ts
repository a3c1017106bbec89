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

export interface TargetRef {
  entry: SubscriptionEntry;
  target: BindingTarget;
}

/** Live subscriptions, indexed by table OID for routing. */
export class SubscriberRegistry {
  private readonly entries = new Map<string, SubscriptionEntry>();
  private byTable: Map<number, TargetRef[]> | undefined;

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

  targetsFor(tableOid: number): readonly TargetRef[] {
    if (!this.byTable) {
      const index = new Map<number, TargetRef[]>();
      for (const entry of this.entries.values()) {
        for (const target of entry.targets) {
          let refs = index.get(target.tableOid);
          if (!refs) index.set(target.tableOid, (refs = []));
          refs.push({ entry, target });
        }
      }
      this.byTable = index;
    }
    return this.byTable.get(tableOid) ?? [];
  }
}

export function claimsOf(claims: SubscriberClaims): { role: string; claimsJson: string } {
  return { role: typeof claims.role === 'string' && claims.role !== '' ? claims.role : 'anon', claimsJson: JSON.stringify(claims) };
}
