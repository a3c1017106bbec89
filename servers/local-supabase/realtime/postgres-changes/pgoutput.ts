/**
 * Decoder for the pgoutput logical replication protocol, version 1 (the messages inside
 * XLogData). Values stay in Postgres text format; see pg-text-values.ts for JSON.
 */

/** A column value: text, SQL NULL, or `undefined` for an unchanged TOASTed value. */
export type TupleValue = string | null | undefined;

export interface RelationColumn {
  name: string;
  typeOid: number;
  /** Part of the replica identity key. */
  key: boolean;
}

export interface RelationMessage {
  tag: 'relation';
  oid: number;
  schema: string;
  table: string;
  /** d = default (PK), n = nothing, f = full, i = index. */
  replicaIdentity: 'd' | 'n' | 'f' | 'i';
  columns: RelationColumn[];
}

export type PgOutputMessage =
  | { tag: 'begin'; finalLsn: bigint; commitTime: bigint; xid: number }
  | { tag: 'commit'; commitLsn: bigint; endLsn: bigint; commitTime: bigint }
  | RelationMessage
  | { tag: 'insert'; relationOid: number; newTuple: TupleValue[] }
  | { tag: 'update'; relationOid: number; oldKind: 'K' | 'O' | undefined; oldTuple: TupleValue[] | undefined; newTuple: TupleValue[] }
  | { tag: 'delete'; relationOid: number; oldKind: 'K' | 'O'; oldTuple: TupleValue[] }
  | { tag: 'ignored'; kind: string };

class Reader {
  offset = 0;
  constructor(private readonly buffer: Buffer) {}
  byte(): number {
    return this.buffer.readUInt8(this.offset++);
  }
  int16(): number {
    const value = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }
  int32(): number {
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  uint32(): number {
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  int64(): bigint {
    const value = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return value;
  }
  uint64(): bigint {
    const value = this.buffer.readBigUInt64BE(this.offset);
    this.offset += 8;
    return value;
  }
  cstring(): string {
    const end = this.buffer.indexOf(0, this.offset);
    const value = this.buffer.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return value;
  }
  text(length: number): string {
    const value = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
}

function tuple(reader: Reader): TupleValue[] {
  const count = reader.int16();
  const values: TupleValue[] = new Array(count);
  for (let index = 0; index < count; index += 1) {
    const kind = reader.byte();
    if (kind === 0x6e /* n */) values[index] = null;
    else if (kind === 0x75 /* u */) values[index] = undefined;
    else if (kind === 0x74 /* t */) values[index] = reader.text(reader.int32());
    else throw new Error(`realtime: unexpected pgoutput tuple kind ${String.fromCharCode(kind)}`);
  }
  return values;
}

/** Decodes one pgoutput message. Throws on malformed input (the stream is then restarted). */
export function decodePgOutput(buffer: Buffer): PgOutputMessage {
  const reader = new Reader(buffer);
  const kind = String.fromCharCode(reader.byte());
  switch (kind) {
    case 'B':
      return { tag: 'begin', finalLsn: reader.uint64(), commitTime: reader.int64(), xid: reader.uint32() };
    case 'C': {
      reader.byte(); // flags, unused
      return { tag: 'commit', commitLsn: reader.uint64(), endLsn: reader.uint64(), commitTime: reader.int64() };
    }
    case 'R': {
      const oid = reader.uint32();
      const schema = reader.cstring();
      const table = reader.cstring();
      const replicaIdentity = String.fromCharCode(reader.byte()) as RelationMessage['replicaIdentity'];
      const count = reader.int16();
      const columns: RelationColumn[] = [];
      for (let index = 0; index < count; index += 1) {
        const flags = reader.byte();
        const name = reader.cstring();
        const typeOid = reader.uint32();
        reader.int32(); // typmod
        columns.push({ name, typeOid, key: (flags & 1) === 1 });
      }
      return { tag: 'relation', oid, schema, table, replicaIdentity, columns };
    }
    case 'I': {
      const relationOid = reader.uint32();
      reader.byte(); // 'N'
      return { tag: 'insert', relationOid, newTuple: tuple(reader) };
    }
    case 'U': {
      const relationOid = reader.uint32();
      let marker = String.fromCharCode(reader.byte());
      let oldKind: 'K' | 'O' | undefined;
      let oldTuple: TupleValue[] | undefined;
      if (marker === 'K' || marker === 'O') {
        oldKind = marker;
        oldTuple = tuple(reader);
        marker = String.fromCharCode(reader.byte());
      }
      return { tag: 'update', relationOid, oldKind, oldTuple, newTuple: tuple(reader) };
    }
    case 'D': {
      const relationOid = reader.uint32();
      const oldKind = String.fromCharCode(reader.byte()) as 'K' | 'O';
      return { tag: 'delete', relationOid, oldKind, oldTuple: tuple(reader) };
    }
    default:
      // Y (type), O (origin), T (truncate), M (message): nothing to deliver.
      return { tag: 'ignored', kind };
  }
}
