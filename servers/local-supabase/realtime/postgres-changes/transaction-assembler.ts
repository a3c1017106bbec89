import type { Lsn } from './lsn.js';
import { pgTimestampToIso } from './lsn.js';
import type { PgOutputMessage, RelationMessage, TupleValue } from './pgoutput.js';

export interface RowChange {
  kind: 'INSERT' | 'UPDATE' | 'DELETE';
  relation: RelationMessage;
  newTuple?: TupleValue[];
  /** K = replica identity key columns only, O = the full old row (REPLICA IDENTITY FULL). */
  oldKind?: 'K' | 'O';
  oldTuple?: TupleValue[];
}

export interface Transaction {
  /** 32-bit transaction id from the Begin message. */
  xid: number;
  commitLsn: Lsn;
  /** End of the commit record: what is confirmed to the slot once the transaction is delivered. */
  endLsn: Lsn;
  /** `YYYY-MM-DDTHH:MM:SS.mmmZ` */
  commitTimestamp: string;
  changes: RowChange[];
}

export interface AssemblerEvents {
  transaction(transaction: Transaction): void;
  /** WAL up to here holds nothing more for us (server keepalive outside a transaction). */
  position(lsn: Lsn): void;
  relation(relation: RelationMessage): void;
}

/**
 * Groups pgoutput messages into committed transactions. A transaction whose commit LSN is
 * not beyond the last one already handed on (a replay after reconnect) is dropped whole.
 */
export class TransactionAssembler {
  private readonly relations = new Map<number, RelationMessage>();
  private current: { xid: number; commitLsn: Lsn; changes: RowChange[]; skip: boolean } | undefined;
  lastCommitLsn: Lsn = 0n;
  skippedReplays = 0;

  constructor(private readonly events: AssemblerEvents) {}

  /** A new streaming session: any half-received transaction will be sent again. */
  reset(): void {
    this.current = undefined;
  }

  keepalive(walEnd: Lsn): void {
    if (!this.current) this.events.position(walEnd);
  }

  handle(message: PgOutputMessage): void {
    switch (message.tag) {
      case 'begin':
        this.current = { xid: message.xid, commitLsn: message.finalLsn, changes: [], skip: message.finalLsn <= this.lastCommitLsn };
        return;
      case 'relation':
        this.relations.set(message.oid, message);
        this.events.relation(message);
        return;
      case 'insert':
        this.add({ kind: 'INSERT', relationOid: message.relationOid, newTuple: message.newTuple });
        return;
      case 'update':
        this.add({ kind: 'UPDATE', relationOid: message.relationOid, newTuple: message.newTuple, oldKind: message.oldKind, oldTuple: message.oldTuple });
        return;
      case 'delete':
        this.add({ kind: 'DELETE', relationOid: message.relationOid, oldKind: message.oldKind, oldTuple: message.oldTuple });
        return;
      case 'commit': {
        const current = this.current;
        this.current = undefined;
        if (!current) return;
        if (current.skip) {
          this.skippedReplays += 1;
          return;
        }
        this.lastCommitLsn = message.commitLsn;
        this.events.transaction({ xid: current.xid, commitLsn: message.commitLsn, endLsn: message.endLsn, commitTimestamp: pgTimestampToIso(message.commitTime), changes: current.changes });
        return;
      }
      default:
        return;
    }
  }

  private add(change: Omit<RowChange, 'relation'> & { relationOid: number }): void {
    const relation = this.relations.get(change.relationOid);
    if (!this.current || this.current.skip || !relation) return;
    const { relationOid: _relationOid, ...rest } = change;
    this.current.changes.push({ ...rest, relation });
  }
}
