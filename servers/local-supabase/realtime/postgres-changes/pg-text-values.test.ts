import { describe, expect, it } from 'vitest';
import { textToJson } from './pg-text-values.js';
import type { TypeInfo, ValueKind } from './type-catalog.js';

const type = (kind: ValueKind, element?: TypeInfo): TypeInfo => ({ oid: 0, name: kind, kind, delimiter: ',', ...(element ? { element } : {}) });

describe('Postgres text output → JSON (as to_jsonb renders it)', () => {
  it('turns numbers, booleans and json into native values', () => {
    expect(textToJson('9007199254740', type('integer'))).toBe(9_007_199_254_740);
    expect(textToJson('12.50', type('number'))).toBe(12.5);
    expect(textToJson('NaN', type('number'))).toBe('NaN');
    expect(textToJson('t', type('bool'))).toBe(true);
    expect(textToJson('{"a": [1, {"b": null}]}', type('json'))).toEqual({ a: [1, { b: null }] });
    expect(textToJson(null, type('integer'))).toBeNull();
  });

  it('renders timestamps in ISO form with a colon offset and bytea as bare hex', () => {
    expect(textToJson('2026-11-18 14:41:53.123456+00', type('timestamptz'))).toBe('2026-11-18T14:41:53.123456+00:00');
    expect(textToJson('2026-11-18 14:41:53+05:30', type('timestamptz'))).toBe('2026-11-18T14:41:53+05:30');
    expect(textToJson('2026-11-18 14:41:53', type('timestamp'))).toBe('2026-11-18T14:41:53');
    expect(textToJson('infinity', type('timestamptz'))).toBe('infinity');
    expect(textToJson('\\x0102ff', type('bytea'))).toBe('0102ff');
  });

  it('parses arrays, nested arrays, quoted elements and NULLs', () => {
    expect(textToJson('{1,2,3}', type('array', type('integer')))).toEqual([1, 2, 3]);
    expect(textToJson('{{1,NULL},{3,4}}', type('array', type('integer')))).toEqual([
      [1, null],
      [3, 4],
    ]);
    expect(textToJson('{"a,b","say \\"hi\\"",NULL,plain}', type('array', type('text')))).toEqual(['a,b', 'say "hi"', null, 'plain']);
    expect(textToJson('[0:1]={t,f}', type('array', type('bool')))).toEqual([true, false]);
    expect(textToJson('{}', type('array', type('text')))).toEqual([]);
  });
});
