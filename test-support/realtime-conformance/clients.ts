import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import type { FrameTap } from './frame-tap.js';
import type { ConformanceStack } from './stack.js';

export type Vsn = '1.0.0' | '2.0.0';
/** Every case runs under both serializers the official client offers. */
export const VSNS: readonly Vsn[] = ['1.0.0', '2.0.0'];

/** Short enough to exercise heartbeats, long enough not to trip on a busy 2-core CI box. */
export const SUITE_HEARTBEAT_MS = 2_500;

export interface ClientOptions {
  vsn: Vsn;
  /** API key on the socket URL; default the anon key. */
  key?: string;
  tap?: FrameTap;
  heartbeatIntervalMs?: number;
  /** Push / join timeout (client default 10 s). */
  timeout?: number;
  /** Client default 2 × heartbeat; raise it to keep a socket with no channels open. */
  disconnectOnEmptyChannelsAfterMs?: number;
  /**
   * The supabase-js `accessToken` option (third-party auth): the realtime token is read from
   * here on connect, after each join and on every heartbeat. The client is primed with it
   * before returning, so the first join already carries it.
   */
  accessToken?: () => string;
}

/** Creates official supabase-js clients for one test and closes all of them afterwards. */
export class ClientPool {
  private clients: SupabaseClient[] = [];

  constructor(private readonly stack: ConformanceStack) {}

  async make(options: ClientOptions): Promise<SupabaseClient> {
    const accessToken = options.accessToken;
    const client = createClient(this.stack.url, options.key ?? this.stack.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      ...(accessToken ? { accessToken: async () => accessToken() } : {}),
      realtime: {
        transport: (options.tap?.transport ?? WebSocket) as never,
        vsn: options.vsn,
        heartbeatIntervalMs: options.heartbeatIntervalMs ?? SUITE_HEARTBEAT_MS,
        ...(options.timeout ? { timeout: options.timeout } : {}),
        ...(options.disconnectOnEmptyChannelsAfterMs ? { disconnectOnEmptyChannelsAfterMs: options.disconnectOnEmptyChannelsAfterMs } : {}),
      },
    });
    this.clients.push(client);
    if (accessToken) await client.realtime.setAuth();
    return client;
  }

  async closeAll(): Promise<void> {
    const clients = this.clients;
    this.clients = [];
    await Promise.all(clients.map((client) => client.removeAllChannels()));
  }
}
