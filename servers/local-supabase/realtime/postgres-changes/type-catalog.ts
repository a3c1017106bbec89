import type pg from 'pg';

/** How a Postgres type's text output becomes JSON (and how filter values compare). */
export type ValueKind = 'integer' | 'number' | 'bool' | 'json' | 'timestamptz' | 'timestamp' | 'date' | 'timetz' | 'bytea' | 'array' | 'text';

export interface TypeInfo {
  oid: number;
  /** `pg_type.typname`, e.g. `int4`, `_int4`, `timestamptz`. */
  name: string;
  kind: ValueKind;
  /** Element type for arrays. */
  element?: TypeInfo;
  delimiter: string;
}

interface TypeRow {
  oid: number;
  typname: string;
  typelem: number;
  typbasetype: number;
  typcategory: string;
  typdelim: string;
}

const KINDS: Record<string, ValueKind> = {
  int2: 'integer',
  int4: 'integer',
  int8: 'integer',
  oid: 'integer',
  float4: 'number',
  float8: 'number',
  numeric: 'number',
  bool: 'bool',
  json: 'json',
  jsonb: 'json',
  timestamptz: 'timestamptz',
  timestamp: 'timestamp',
  date: 'date',
  timetz: 'timetz',
  bytea: 'bytea',
};

/** OID → type name and JSON conversion, read from `pg_type` once per OID. */
export class TypeCatalog {
  private readonly types = new Map<number, TypeInfo>();

  constructor(private readonly query: (sql: string, values: unknown[]) => Promise<pg.QueryResult>) {}

  get(oid: number): TypeInfo | undefined {
    return this.types.get(oid);
  }

  /** Loads the given OIDs (and their element/base types) if not cached yet. */
  async load(oids: Iterable<number>): Promise<void> {
    let missing = [...new Set(oids)].filter((oid) => !this.types.has(oid));
    const rows = new Map<number, TypeRow>();
    while (missing.length > 0) {
      const result = await this.query(
        'select oid::int8::float8 as oid, typname, typelem::int8::float8 as typelem, typbasetype::int8::float8 as typbasetype, typcategory, typdelim from pg_catalog.pg_type where oid = any($1::oid[])',
        [missing],
      );
      for (const row of result.rows as TypeRow[]) rows.set(row.oid, row);
      missing = (result.rows as TypeRow[])
        .flatMap((row) => [row.typelem, row.typbasetype])
        .filter((oid) => oid !== 0 && !rows.has(oid) && !this.types.has(oid));
    }
    const resolve = (oid: number): TypeInfo => {
      const known = this.types.get(oid);
      if (known) return known;
      const row = rows.get(oid);
      if (!row) return { oid, name: String(oid), kind: 'text', delimiter: ',' };
      const base = row.typbasetype !== 0 ? resolve(row.typbasetype) : undefined;
      const element = row.typcategory === 'A' && row.typelem !== 0 ? resolve(row.typelem) : undefined;
      const info: TypeInfo = {
        oid,
        name: row.typname,
        kind: base ? base.kind : element ? 'array' : (KINDS[row.typname] ?? 'text'),
        delimiter: row.typdelim,
        ...(base?.element ? { element: base.element } : element ? { element } : {}),
      };
      this.types.set(oid, info);
      return info;
    };
    for (const oid of rows.keys()) resolve(oid);
  }
}
