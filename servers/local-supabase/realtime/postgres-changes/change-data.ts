import type { PostgresChangeData } from './contract.js';
import type { TupleValue } from './pgoutput.js';
import { textToJson } from './pg-text-values.js';
import type { RowChange } from './transaction-assembler.js';
import type { TypeCatalog } from './type-catalog.js';

/** Above this many bytes of row text the real server sends `Error 413` and only short fields. */
const MAX_RECORD_BYTES = 1_048_576;
const MAX_FIELD_BYTES_WHEN_TOO_LARGE = 64;

/** The decoded row of one change: values by column index, and which old columns exist. */
export class RowView {
  readonly newValues: TupleValue[] | undefined;
  readonly oldValues: TupleValue[] | undefined;
  private readonly columnIndex: Map<string, number>;
  private readonly converted = new Map<number, unknown>();
  readonly tooLarge: boolean;

  constructor(
    readonly change: RowChange,
    readonly primaryKey: readonly string[],
    private readonly types: TypeCatalog,
    rlsEnabled: boolean,
  ) {
    const { relation, oldKind, oldTuple } = change;
    this.columnIndex = new Map(relation.columns.map((column, index) => [column.name, index]));
    if (change.newTuple) {
      // Unchanged TOAST values are filled from the old row when the replica identity sent it.
      this.newValues = change.newTuple.map((value, index) => (value === undefined && oldKind === 'O' ? oldTuple?.[index] : value));
    }
    const keyOnly = (source: TupleValue[] | undefined) => relation.columns.map((column, index) => (column.key ? source?.[index] : undefined));
    if (change.kind === 'UPDATE') {
      this.oldValues = oldKind === 'O' ? oldTuple : keyOnly(oldTuple ?? this.newValues);
    } else if (change.kind === 'DELETE') {
      const cutToPrimaryKey = oldKind === 'O' && rlsEnabled;
      this.oldValues = cutToPrimaryKey ? relation.columns.map((column, index) => (primaryKey.includes(column.name) ? oldTuple?.[index] : undefined)) : oldKind === 'O' ? oldTuple : keyOnly(oldTuple);
    }
    this.tooLarge = byteSize(change.newTuple) + byteSize(oldTuple) > MAX_RECORD_BYTES;
  }

  /** The tuple filters are evaluated on: the new row, or the old one for DELETE. */
  filterValue = (column: string): TupleValue => {
    const index = this.columnIndex.get(column);
    if (index === undefined) return undefined;
    return (this.change.kind === 'DELETE' ? this.oldValues : this.newValues)?.[index];
  };

  /** Primary-key values of the row as committed (for the RLS query). */
  primaryKeyText(column: string): string | null | undefined {
    const index = this.columnIndex.get(column);
    return index === undefined ? undefined : (this.newValues ?? this.oldValues)?.[index];
  }

  /** `data` for subscribers that may see `visible` columns (null = all). */
  build(schemaTable: { schema: string; table: string }, commitTimestamp: string, visible: ReadonlySet<string> | null): PostgresChangeData {
    const { kind, relation } = this.change;
    const columns: Array<{ name: string; type: string }> = [];
    const indexes: number[] = [];
    relation.columns.forEach((column, index) => {
      if (visible && !visible.has(column.name)) return;
      columns.push({ name: column.name, type: this.types.get(column.typeOid)?.name ?? String(column.typeOid) });
      indexes.push(index);
    });
    const base = { schema: schemaTable.schema, table: schemaTable.table, type: kind, commit_timestamp: commitTimestamp, columns };
    const errors = this.tooLarge ? ['Error 413: Payload Too Large'] : null;
    if (kind === 'INSERT') return { ...base, record: this.record(this.newValues, indexes), errors };
    if (kind === 'UPDATE') return { ...base, record: this.record(this.newValues, indexes), old_record: this.record(this.oldValues, indexes), errors };
    return { ...base, old_record: this.record(this.oldValues, indexes), errors };
  }

  private record(values: TupleValue[] | undefined, indexes: number[]): Record<string, unknown> {
    const record: Record<string, unknown> = {};
    if (!values) return record;
    for (const index of indexes) {
      const text = values[index];
      if (text === undefined) continue;
      if (this.tooLarge && text !== null && Buffer.byteLength(text) > MAX_FIELD_BYTES_WHEN_TOO_LARGE) continue;
      const column = this.change.relation.columns[index]!;
      record[column.name] = values === this.newValues ? this.convert(index, text) : this.convertOld(text, column.typeOid);
    }
    return record;
  }

  private convert(index: number, text: string | null): unknown {
    if (this.converted.has(index)) return this.converted.get(index);
    const value = this.convertOld(text, this.change.relation.columns[index]!.typeOid);
    this.converted.set(index, value);
    return value;
  }

  private convertOld(text: string | null, typeOid: number): unknown {
    const type = this.types.get(typeOid);
    return type ? textToJson(text, type) : text;
  }
}

function byteSize(values: TupleValue[] | undefined): number {
  if (!values) return 0;
  let total = 0;
  for (const value of values) if (typeof value === 'string') total += value.length > MAX_FIELD_BYTES_WHEN_TOO_LARGE ? Buffer.byteLength(value) : value.length;
  return total;
}

/** What a table without a primary key produces for INSERT/UPDATE (the real server's error payload). */
export function noPrimaryKeyData(schema: string, table: string, type: 'INSERT' | 'UPDATE'): PostgresChangeData {
  return { schema, table, type, errors: ['Error 400: Bad Request, no primary key'] };
}
