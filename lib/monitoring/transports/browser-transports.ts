'use client';

import type { SupabaseClient } from '@supabase/supabase-js';
import type { RealtimeStrategy } from '@/contracts/transports';
import type { PublicConfig } from '@/lib/env';
import type { TransportKind } from '@/lib/monitoring/model';
import type { Transport } from '@/lib/monitoring/transport';
import { lazyTransport } from '@/lib/monitoring/transports/lazy-transport';
import { createLegacyTransport } from '@/lib/monitoring/transports/legacy-transport';

/**
 * Both transports wired to the browser: the tab's supabase client (with the plan's Realtime
 * strategy) and the native WebSocket. supabase-js (~85 KB gzip) is imported on first use,
 * never with the page: by the Realtime transport's first connect, or by the first token read.
 */
export function createBrowserTransports(config: PublicConfig, realtimeStrategy: RealtimeStrategy = 'postgres_changes'): Record<TransportKind, Transport> {
  let loading: Promise<SupabaseClient> | undefined;
  const supabase = () =>
    (loading ??= import('@/lib/supabase/browser-client').then(
      ({ browserSupabase }) => browserSupabase(config),
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    ));
  const getAccessToken = async () => (await (await supabase()).auth.getSession()).data.session?.access_token ?? null;
  return {
    realtime: lazyTransport('realtime', async () => {
      const [{ createRealtimeTransport }, client] = await Promise.all([import('@/lib/monitoring/transports/realtime-transport'), supabase()]);
      return createRealtimeTransport({ client, getAccessToken, strategy: realtimeStrategy });
    }),
    legacy: createLegacyTransport({
      url: config.legacyWsUrl,
      WebSocket: window.WebSocket,
      // The session refreshes itself; each legacy session (and its refresh timer) reads the current token.
      getAccessToken,
    }),
  };
}
