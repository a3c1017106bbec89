import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';

/**
 * A supabase-js client for Node processes (the probe, tests): the `ws` transport (Node 20
 * has no global WebSocket) and the `accessToken` callback, so every join and rejoin —
 * after a reconnect too — carries the caller's token rather than the anon key.
 */
export function createNodeSupabase(url: string, anonKey: string, accessToken: () => Promise<string>): SupabaseClient {
  return createClient(url, anonKey, {
    accessToken,
    realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket, heartbeatIntervalMs: 15_000 },
  });
}
