// NUL, an unpaired high surrogate, or an unpaired low surrogate.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What the API says about text Postgres cannot store (NUL in `text`/`jsonb`, lone surrogates in `jsonb`). */
export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL characters or lone surrogates';

/** False for text Postgres cannot store: no request may carry it, in a body or a query string. */
export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}
