/** One row of `realtime.messages` on its way to subscribers (from the WAL or a replay). */
export interface DatabaseMessage {
  id: string;
  /** Topic without the `realtime:` prefix, as `realtime.send` was given it. */
  topic: string;
  event: string;
  private: boolean;
  /** The jsonb payload as JSON text, or null for a binary message. */
  payloadJson: string | null;
  /** `send_binary` payload, or null for a JSON message. */
  binaryPayload: Buffer | null;
}

/** Postgres bytea hex output (`\x0a0b…`) to bytes. */
export function byteaFromHex(text: string): Buffer {
  return Buffer.from(text.startsWith('\\x') ? text.slice(2) : text, 'hex');
}
