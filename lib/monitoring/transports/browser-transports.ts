'use client';

import type { RealtimeStrategy } from '@/contracts/transports';
import type { PublicConfig } from '@/lib/env';
import type { TransportKind } from '@/lib/monitoring/model';
import type { Transport } from '@/lib/monitoring/transport';
import { createLegacyTransport } from '@/lib/monitoring/transports/legacy-transport';
import { createRealtimeTransport } from '@/lib/monitoring/transports/realtime-transport';
import { browserSupabase } from '@/lib/supabase/browser-client';

/** Both transports wired to the browser: the tab's supabase client (with the plan's Realtime strategy) and the native WebSocket. */
export function createBrowserTransports(config: PublicConfig, realtimeStrategy: RealtimeStrategy = 'postgres_changes'): Record<TransportKind, Transport> {
  const supabase = browserSupabase(config);
  const getAccessToken = async () => (await supabase.auth.getSession()).data.session?.access_token ?? null;
  return {
    realtime: createRealtimeTransport({ client: supabase, getAccessToken, strategy: realtimeStrategy }),
    legacy: createLegacyTransport({
      url: config.legacyWsUrl,
      WebSocket: window.WebSocket,
      // The session refreshes itself; each legacy session (and its refresh timer) reads the current token.
      getAccessToken,
    }),
  };
}
