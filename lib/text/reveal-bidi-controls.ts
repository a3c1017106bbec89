// Embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069) and the marks (U+200E, U+200F, U+061C).
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Sender-controlled text made safe to show: each invisible bidirectional control becomes a
 * visible `⟨U+202E⟩`, so none can reorder what follows it (a right-to-left override would
 * otherwise render `evil.exe\u202Etxt.` as an innocent name). Shown inside `<bdi>`, whatever
 * right-to-left text remains cannot reorder the cells around it. The stored text is
 * unchanged: the database, both transports and validation keep what was ingested.
 */
export function revealBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS, (control) => `⟨U+${control.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}⟩`);
}
