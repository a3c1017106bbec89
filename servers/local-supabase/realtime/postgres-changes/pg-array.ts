/**
 * Parses a Postgres array literal in text output format (`{1,2}`, `{"a,b",NULL}`,
 * `{{1,2},{3,4}}`, `[0:1]={7,8}`) into nested arrays of element texts (null for NULL).
 */
export type ArrayText = Array<string | null | ArrayText>;

export function parseArrayLiteral(text: string, delimiter = ','): ArrayText {
  let position = 0;
  if (text.startsWith('[')) position = text.indexOf('=') + 1;
  const parseLevel = (): ArrayText => {
    const items: ArrayText = [];
    position += 1; // '{'
    while (position < text.length) {
      const char = text[position];
      if (char === '}') {
        position += 1;
        return items;
      }
      if (char === delimiter || char === ' ') {
        position += 1;
      } else if (char === '{') {
        items.push(parseLevel());
      } else if (char === '"') {
        position += 1;
        let value = '';
        while (position < text.length && text[position] !== '"') {
          if (text[position] === '\\') position += 1;
          value += text[position];
          position += 1;
        }
        position += 1;
        items.push(value);
      } else {
        let end = position;
        while (end < text.length && text[end] !== delimiter && text[end] !== '}') end += 1;
        const raw = text.slice(position, end).trim();
        items.push(raw === 'NULL' ? null : raw);
        position = end;
      }
    }
    return items;
  };
  return parseLevel();
}
