import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ApiError } from '@/lib/api/api-error';
import { readJsonBody } from '@/lib/api/read-json-body';

const anything = z.unknown();
const request = (text: string) => new Request('http://127.0.0.1/x', { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });

async function refusal(text: string, maxDepth?: number): Promise<{ code: string; message: string }> {
  const error = await readJsonBody(request(text), anything, { maxBytes: 1024 * 1024, maxDepth }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError for ${text.slice(0, 60)}, got ${String(error)}`);
  return { code: error.code, message: error.message };
}

describe('readJsonBody: what no route can store or walk', () => {
  it('accepts nesting up to the limit and refuses one level more, naming where', async () => {
    await expect(readJsonBody(request(`${'['.repeat(64)}${']'.repeat(64)}`), anything, { maxBytes: 1024 })).resolves.toBeDefined();
    expect(await refusal(`${'['.repeat(65)}${']'.repeat(65)}`)).toEqual({ code: 'validation_failed', message: '[0][0][0][0][0][0][0][0]…: nested deeper than 64 levels' });
    expect(await refusal('{"a":{"b":{"c":1}}}', 2)).toEqual({ code: 'validation_failed', message: 'a.b: nested deeper than 2 levels' });
  });

  it('refuses a hostile depth without overflowing the stack', async () => {
    expect((await refusal(`${'['.repeat(500_000)}${']'.repeat(500_000)}`)).message).toMatch(/nested deeper than 64 levels$/);
  });

  it('refuses NUL characters and lone surrogates in values and keys, naming the field', async () => {
    expect(await refusal('{"a":[1,"x\\u0000"]}')).toEqual({ code: 'validation_failed', message: 'a[1]: must not contain NUL characters or lone surrogates' });
    expect((await refusal('{"a":{"b":"\\ud800"}}')).message).toBe('a.b: must not contain NUL characters or lone surrogates');
    expect((await refusal('{"a":{"b":"\\udc00x"}}')).message).toBe('a.b: must not contain NUL characters or lone surrogates');
    expect((await refusal('{"a":{"k\\u0000":1}}')).message).toBe('a: must not contain NUL characters or lone surrogates (in a key)');
    expect((await refusal('"\\u0000"')).message).toBe('body: must not contain NUL characters or lone surrogates');
  });

  it('keeps valid text: surrogate pairs, other control characters', async () => {
    await expect(readJsonBody(request('{"a":"\\ud83d\\ude00 \\u0001 \\u202e"}'), anything, { maxBytes: 1024 })).resolves.toEqual({ a: '😀 \u0001 \u202e' });
  });
});
