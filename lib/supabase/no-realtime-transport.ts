/**
 * Server-side Supabase clients (middleware, server components, route handlers) only use
 * Auth. realtime-js resolves a WebSocket constructor when the client is created and
 * throws on runtimes without a global one (Node 20, the edge sandbox), so servers inject
 * this stand-in; it is never constructed because servers never open Realtime.
 */
export class NoRealtimeTransport {
  constructor() {
    throw new Error('supabase: server-side clients do not open Realtime connections');
  }
}

export const serverClientOptions = {
  realtime: { transport: NoRealtimeTransport as unknown as typeof WebSocket },
} as const;
