'use client';

import { createBrowserClient } from '@supabase/ssr';
import type { SupabaseClient } from '@supabase/supabase-js';
import type { PublicConfig } from '@/lib/env';

let client: SupabaseClient | undefined;

/** One browser client per tab (auth + Realtime share its socket and session). */
export function browserSupabase(config: Pick<PublicConfig, 'supabaseUrl' | 'supabaseAnonKey'>): SupabaseClient {
  // Heartbeats from a Web Worker keep their pace in a hidden tab (Supabase's advice for realtime-js#121).
  client ??= createBrowserClient(config.supabaseUrl, config.supabaseAnonKey, { realtime: { worker: true } });
  return client;
}
