import type { SupabaseClient } from '@supabase/supabase-js';

type Listener = (status: string) => void;
const listeners = new WeakMap<SupabaseClient, Set<Listener>>();

/**
 * supabase-js has one heartbeat callback per client; sessions of the Realtime transport
 * each want to hear its replies (their last sign of life). One callback fans out to them.
 */
export function onRealtimeHeartbeat(client: SupabaseClient, listener: Listener): () => void {
  let set = listeners.get(client);
  if (!set) {
    const fresh = new Set<Listener>();
    set = fresh;
    listeners.set(client, fresh);
    client.realtime.onHeartbeat((status) => {
      for (const each of fresh) each(status);
    });
  }
  set.add(listener);
  return () => set.delete(listener);
}
