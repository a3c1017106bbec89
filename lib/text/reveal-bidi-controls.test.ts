import { describe, expect, it } from 'vitest';
import { revealBidiControls } from '@/lib/text/reveal-bidi-controls';

describe('revealBidiControls', () => {
  it('shows every bidi control as a visible code point, so none reorders the text', () => {
    expect(revealBidiControls('backup ok \u202Efdp.exe')).toBe('backup ok ⟨U+202E⟩fdp.exe');
    const all = '\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u200E\u200F\u061C';
    expect(revealBidiControls(all)).toBe(['202A', '202B', '202C', '202D', '202E', '2066', '2067', '2068', '2069', '200E', '200F', '061C'].map((code) => `⟨U+${code}⟩`).join(''));
  });

  it('leaves other text alone, right-to-left scripts included', () => {
    for (const text of ['cache storm on sessions', 'שלום עולם', 'مرحبا', 'emoji 😀 and tabs\t']) expect(revealBidiControls(text)).toBe(text);
  });
});
