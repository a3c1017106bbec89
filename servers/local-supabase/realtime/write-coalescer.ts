import type { Duplex } from 'node:stream';

/**
 * Coalesces a socket's writes within one event-loop turn into a single `writev`: the first
 * write of a turn corks the socket, one `setImmediate` uncorks every corked socket. Fan-out
 * bursts (a batch of postgres changes, several broadcasts read in one TCP chunk) then cost
 * one syscall per recipient instead of one per frame — syscalls dominate a profile otherwise.
 */
export class WriteCoalescer {
  private readonly corked = new Set<Duplex>();
  private scheduled = false;

  /** Call before writing to `socket`. */
  hold(socket: Duplex): void {
    if (this.corked.has(socket) || socket.destroyed) return;
    socket.cork();
    this.corked.add(socket);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  readonly flush = (): void => {
    this.scheduled = false;
    for (const socket of this.corked) socket.uncork();
    this.corked.clear();
  };
}
