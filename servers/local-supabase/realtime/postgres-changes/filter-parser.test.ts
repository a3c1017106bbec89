import { describe, expect, it } from 'vitest';
import { describeParams, parseBinding } from './filter-parser.js';

const parse = (binding: Record<string, unknown>) => parseBinding({ id: 1, ...binding } as never);

describe('postgres_changes binding parser (the real server grammar)', () => {
  it('normalises event case and scope defaults', () => {
    expect(parse({ event: 'insert', schema: 'public', table: 't' })).toEqual({ ok: true, params: { event: 'INSERT', schema: 'public', table: 't', filters: [], select: null } });
    expect(parse({ event: 'bogus', schema: 'public' })).toEqual({ ok: true, params: { event: '*', schema: 'public', table: '*', filters: [], select: null } });
    expect(parse({ event: '*', table: 't' })).toMatchObject({ ok: true, params: { schema: 'public', table: 't' } });
  });

  it('splits on top-level commas only, unquotes values, negates with not. and turns in lists into array literals', () => {
    const result = parse({ event: '*', schema: 'public', table: 't', filter: 'id=gt.0,name=eq."a,b",tag=in.(red, "x,y"),status=not.eq.draft' });
    expect(result).toEqual({
      ok: true,
      params: {
        event: '*',
        schema: 'public',
        table: 't',
        select: null,
        filters: [
          { column: 'id', op: 'gt', value: '0', negate: false },
          { column: 'name', op: 'eq', value: 'a,b', negate: false },
          { column: 'tag', op: 'in', value: '{red, "x,y"}', negate: false },
          { column: 'status', op: 'eq', value: 'draft', negate: true },
        ],
      },
    });
    expect(parse({ event: '*', schema: 'public', table: 't', filter: '   ' })).toMatchObject({ ok: true, params: { filters: [] } });
  });

  it('answers malformed filters with the real server messages', () => {
    const message = (filter: string) => (parse({ event: '*', schema: 'public', table: 't', filter }) as { message: string }).message;
    expect(message('id=foo.1')).toBe('Error parsing `filter` params: ["foo", "1"]');
    expect(message('undefined')).toBe('Error parsing `filter` params: ["undefined"]');
    expect(message('id=eq')).toBe('Error parsing `filter` params: ["eq"]');
    expect(message('id=in.1,2')).toBe('Error parsing `filter` params: `in` filter value must be wrapped by parentheses');
    expect(message('id=eq.1,,id=eq.2')).toBe('Error parsing `filter` params: filter must not contain empty segments (check for extra commas)');
    expect((parse({ event: '*', filter: 'id=eq.1' }) as { message: string }).message).toBe(
      'No subscription params provided. Please provide at least a `schema` or `table` to subscribe to: %{"event" => "*", "filter" => "id=eq.1"}',
    );
    expect((parse({ event: '*', schema: 'public', select: ['a'] }) as { message: string }).message).toBe(
      'Column selection is not supported for wildcard subscriptions. Provide an explicit schema and table name.',
    );
  });

  it('describes params like the real server logs them', () => {
    const result = parse({ event: 'DELETE', schema: 'public', table: 't', filter: 'id=eq.5' });
    expect(result.ok && describeParams(result.params)).toBe('event: DELETE, schema: public, table: t, filters: [{"id", "eq", "5", false}], select: nil');
  });
});
