'use client';

import { createBrowserClient } from '@supabase/ssr';
import type { SupabaseClient } from '@supabase/supabase-js';
import type { PublicConfig } from '@/lib/env';

let client: SupabaseClient | undefined;

/** One browser client per tab (auth + Realtime share its socket and session). */
export function browserSupabase(config: Pick<PublicConfig, 'supabaseUrl' | 'supabaseAnonKey'>): SupabaseClient {
  client ??= createBrowserClient(config.supabaseUrl, config.supabaseAnonKey);
  return client;
}
