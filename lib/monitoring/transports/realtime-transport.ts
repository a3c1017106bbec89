import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import { STREAMS, type Stream } from '@/lib/monitoring/model';
import { parseEnvelope } from '@/lib/monitoring/parse-envelope';
import type { Transport, TransportHandlers, TransportSession } from '@/lib/monitoring/transport';
import { failure, type TransportFailure } from '@/lib/monitoring/transport-failure';
import { onRealtimeHeartbeat } from '@/lib/monitoring/transports/heartbeat-listeners';
import { realtimeRowToEnvelope } from '@/lib/monitoring/transports/realtime-row';

export interface RealtimeTransportOptions {
  /** An authenticated supabase-js client (browser: the session's; tests: `realtime.setAuth(token)`). */
  client: SupabaseClient;
  streams?: readonly Stream[];
  /** Topic prefix; each session joins its own topic. */
  topic?: string;
  /**
   * The user's current access token, handed to Realtime before each join. supabase-js
   * freezes a join frame when it is queued and only pushes a later token to channels that
   * are already joined, so a join racing the session's INITIAL_SESSION goes out with the
   * anon key — and RLS then silently withholds every row. Setting it first closes that race.
   */
  getAccessToken?: () => Promise<string | null>;
}

let sessionCounter = 0;

/**
 * Supabase Realtime `postgres_changes` INSERTs on the monitoring tables. Live only once the
 * server confirms the database subscription (`system` "Subscribed to PostgreSQL"), not
 * at `SUBSCRIBED`, which supabase-js reports earlier; the layer's fill on live covers
 * whatever was committed in between. Every channel failure ends the session (the channel
 * is removed, so supabase-js does not rejoin behind the layer's back).
 */
export function createRealtimeTransport(options: RealtimeTransportOptions): Transport {
  return {
    kind: 'realtime',
    connect: (handlers) => openRealtimeSession(options, handlers),
  };
}

function openRealtimeSession(options: RealtimeTransportOptions, handlers: TransportHandlers): TransportSession {
  const { client } = options;
  let ended = false;
  let live = false;
  sessionCounter += 1;
  const channel: RealtimeChannel = client.channel(`${options.topic ?? 'switchyard-monitoring'}-${Date.now().toString(36)}-${sessionCounter}`);
  // The last sign of life: a delivery, a system message or a heartbeat reply.
  let lastAliveAt = Date.now();
  const alive = () => {
    lastAliveAt = Date.now();
  };
  const stopHeartbeats = onRealtimeHeartbeat(client, (status) => status === 'ok' && alive());

  const teardown = () => {
    ended = true;
    stopHeartbeats();
    // Leaving works offline too (supabase-js closes the channel locally when it cannot push).
    void client.removeChannel(channel);
  };
  const end = (reason: TransportFailure) => {
    if (ended) return;
    teardown();
    handlers.onClosed({ ...reason, lastAliveAt });
  };

  for (const stream of options.streams ?? STREAMS) {
    channel.on('postgres_changes', { event: 'INSERT', schema: 'public', table: stream }, (payload) => {
      if (ended) return;
      alive();
      const parsed = parseEnvelope(realtimeRowToEnvelope(stream, payload.new), { transport: 'realtime', receivedAt: Date.now() });
      if (parsed.ok) handlers.onEvent(parsed.event);
      else handlers.onInvalid(parsed.reason);
    });
  }
  channel.on('system', {}, (payload: { extension?: string; status?: string; message?: string }) => {
    if (ended || payload.extension !== 'postgres_changes') return;
    alive();
    if (payload.status !== 'ok') return end(failure('subscribe_failed', payload.message ?? 'postgres_changes subscription failed'));
    if (live) return;
    live = true;
    handlers.onLive();
  });
  const subscribe = () => channel.subscribe((status, error) => {
    if (ended) return;
    switch (status) {
      case 'SUBSCRIBED':
        // Joined, but the database subscription may not be live yet: wait for the system message.
        return;
      case 'CHANNEL_ERROR':
        return end(failure('channel_error', error?.message ?? 'channel error'));
      case 'TIMED_OUT':
        return end(failure('subscribe_timeout', 'channel join timed out'));
      case 'CLOSED':
        return end(failure('network', 'channel closed'));
    }
  });
  if (!options.getAccessToken) subscribe();
  else {
    options
      .getAccessToken()
      .then(async (token) => {
        if (token) await client.realtime.setAuth(token);
        if (!ended) subscribe();
      })
      .catch((error: unknown) => end(failure('unauthorized', `cannot read the session: ${error instanceof Error ? error.message : String(error)}`)));
  }

  return {
    close() {
      if (!ended) teardown();
    },
  };
}
