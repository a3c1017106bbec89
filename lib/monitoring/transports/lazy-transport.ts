import type { TransportKind } from '@/lib/monitoring/model';
import type { Transport, TransportSession } from '@/lib/monitoring/transport';
import { failure } from '@/lib/monitoring/transport-failure';

/**
 * A transport whose implementation is loaded on its first `connect` (a dynamic import), so
 * its code — for Realtime, supabase-js — stays out of the page's first load and out of the
 * tabs of cohorts that never use it. A load that fails ends the session as a network
 * failure (the layer retries with its policy, and the next connect loads again).
 */
export function lazyTransport(kind: TransportKind, load: () => Promise<Transport>): Transport {
  let loading: Promise<Transport> | undefined;
  return {
    kind,
    connect(handlers, options) {
      let inner: TransportSession | undefined;
      let closed = false;
      const pending = (loading ??= load());
      pending.then(
        (transport) => {
          if (!closed) inner = transport.connect(handlers, options);
        },
        (error: unknown) => {
          if (loading === pending) loading = undefined;
          if (!closed) handlers.onClosed(failure('network', `the ${kind} transport could not be loaded: ${error instanceof Error ? error.message : String(error)}`));
        },
      );
      return {
        close() {
          closed = true;
          inner?.close();
        },
      };
    },
  };
}
