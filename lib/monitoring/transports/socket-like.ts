/** A callback checked bivariantly, so DOM and `ws` handler property types both fit. */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/**
 * The slice of the WebSocket API the legacy transport uses, met by the browser's
 * `WebSocket` and by `ws` in Node, so the constructor can be injected.
 */
export interface SocketLike {
  readonly readyState: number;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketConstructor = new (url: string) => SocketLike;

export const SOCKET_OPEN = 1;
