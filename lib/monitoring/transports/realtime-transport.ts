import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import { broadcastTopic, type RealtimeStrategy } from '@/contracts/transports';
import { STREAMS, type MonitoringEvent, type Stream } from '@/lib/monitoring/model';
import { parseEnvelope } from '@/lib/monitoring/parse-envelope';
import type { Transport, TransportHandlers, TransportSession, TransportSessionOptions } from '@/lib/monitoring/transport';
import { failure, type TransportFailure } from '@/lib/monitoring/transport-failure';
import { onRealtimeHeartbeat } from '@/lib/monitoring/transports/heartbeat-listeners';
import { realtimeReasonKind } from '@/lib/monitoring/transports/realtime-reasons';
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
  /** `postgres_changes` (default) or `broadcast` (private Broadcast-from-Database channels, one per stream). */
  strategy?: RealtimeStrategy;
  /**
   * On return to a visible tab, a session quiet for longer than this (no delivery, system message
   * or heartbeat reply) is ended as `heartbeat_timeout`. Default: two heartbeat intervals.
   */
  staleAfterMs?: number;
}

/** Upstream's cap on messages replayed per join. */
export const REPLAY_LIMIT = 25;

let sessionCounter = 0;

/**
 * Supabase Realtime `postgres_changes` INSERTs on the monitoring tables. Live only once the
 * server confirms the database subscription (`system` "Subscribed to PostgreSQL"), not
 * at `SUBSCRIBED`, which supabase-js reports earlier; the layer's fill on live covers
 * whatever was committed in between. Every channel failure ends the session (the channel
 * is removed, so supabase-js does not rejoin behind the layer's back).
 */
export function createRealtimeTransport(options: RealtimeTransportOptions): Transport {
  // Per stream, the newest event a broadcast session delivered: where the next session's replay starts.
  const lastSeen = new Map<Stream, { id: number; emittedAt: number }>();
  let failedInARow = 0;
  let wentSilent = false;
  return {
    kind: 'realtime',
    connect(handlers, sessionOptions) {
      // A socket whose channels keep failing (supabase/realtime#1414), or that went silent, is not
      // trusted to carry the next session: start afresh.
      const freshSocket = failedInARow >= FRESH_SOCKET_AFTER_FAILURES || wentSilent;
      if (freshSocket) failedInARow = 0;
      wentSilent = false;
      const counted: TransportHandlers = {
        ...handlers,
        onLive() {
          failedInARow = 0;
          handlers.onLive();
        },
        onClosed(reason) {
          failedInARow += 1;
          wentSilent = reason.kind === 'heartbeat_timeout';
          handlers.onClosed(reason);
        },
      };
      const open = () =>
        options.strategy === 'broadcast' ? openBroadcastSession(options, counted, sessionOptions, lastSeen) : openRealtimeSession(options, counted);
      return freshSocket ? afterDisconnect(options.client, open) : open();
    },
  };
}

/** Consecutive sessions ending before live after which the next one starts on a new socket. */
export const FRESH_SOCKET_AFTER_FAILURES = 2;

/** Opens the session once the client's socket is closed (its channels' subscribe opens a new one). */
function afterDisconnect(client: SupabaseClient, open: () => TransportSession): TransportSession {
  let session: TransportSession | null = null;
  let closed = false;
  const start = () => {
    if (!closed) session = open();
  };
  client.realtime.disconnect().then(start, start);
  return {
    close() {
      closed = true;
      session?.close();
    },
    checkAlive: () => session?.checkAlive?.(),
  };
}

function openRealtimeSession(options: RealtimeTransportOptions, handlers: TransportHandlers): TransportSession {
  const { client } = options;
  let ended = false;
  let live = false;
  sessionCounter += 1;
  const channel: RealtimeChannel = client.channel(`${options.topic ?? 'switchyard-monitoring'}-${Date.now().toString(36)}-${sessionCounter}`);
  const liveness = trackLiveness(client, (reason) => end(reason));
  const alive = liveness.alive;

  const teardown = () => {
    ended = true;
    liveness.stop();
    // Leaving works offline too (supabase-js closes the channel locally when it cannot push).
    void client.removeChannel(channel);
  };
  const end = (reason: TransportFailure) => {
    if (ended) return;
    teardown();
    handlers.onClosed({ ...reason, lastAliveAt: liveness.lastAliveAt() });
  };

  for (const stream of options.streams ?? STREAMS) {
    channel.on('postgres_changes', { event: 'INSERT', schema: 'public', table: stream }, (payload) => {
      if (ended) return;
      alive();
      if (payload.errors?.length) return partialRow(handlers, stream, payload.new, payload.errors);
      const parsed = parseEnvelope(realtimeRowToEnvelope(stream, payload.new), { transport: 'realtime', receivedAt: Date.now() });
      if (parsed.ok) handlers.onEvent(parsed.event);
      else handlers.onInvalid(parsed.reason);
    });
  }
  channel.on('system', {}, (payload: { extension?: string; status?: string; message?: string }) => {
    if (ended) return;
    // The server shutting the channel down (token expired, a limit, …): its reason, not the CLOSED after it.
    if (payload.extension === 'system' && payload.status === 'error') return end(serverReason(payload.message ?? 'channel shut down'));
    if (payload.extension !== 'postgres_changes') return;
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
        return end(serverReason(error?.message ?? 'channel error'));
      case 'TIMED_OUT':
        return end(failure('subscribe_timeout', 'channel join timed out'));
      case 'CLOSED':
        return end(failure('network', 'channel closed'));
    }
  });
  freshToken(options)
    .then(() => !ended && subscribe())
    .catch((error: unknown) => end(failure('unauthorized', `cannot read the session: ${error instanceof Error ? error.message : String(error)}`)));

  return {
    close() {
      if (!ended) teardown();
    },
    checkAlive: () => checkStale(options, liveness, end),
  };
}

interface BroadcastMessage {
  event?: string;
  payload?: { record?: unknown; rows?: unknown };
}

/**
 * Broadcast from Database: one private channel per stream on `monitoring:<stream>`, joined with
 * the user's token already set (the join is authorized by `realtime.messages` policies). Live
 * once every channel is SUBSCRIBED and the server said `replication_ready`. A session that
 * resumes asks the server to replay (≤ 25 messages since the newest event it saw) before live;
 * the layer's reconnect fill from history covers anything beyond that, and its ordered streams
 * drop what both deliver. Per-row (`INSERT`, broadcast_changes' `record`) and batched (`batch`,
 * `rows`) envelopes are both understood, so the database can switch envelopes live.
 */
// eslint-disable-next-line max-lines-per-function -- one broadcast session (private channels per stream, token, replay, readiness) shares its state; its handlers are short.
function openBroadcastSession(
  options: RealtimeTransportOptions,
  handlers: TransportHandlers,
  sessionOptions: TransportSessionOptions,
  lastSeen: Map<Stream, { id: number; emittedAt: number }>,
): TransportSession {
  const { client } = options;
  const streams = options.streams ?? STREAMS;
  const channels: RealtimeChannel[] = [];
  const subscribed = new Set<Stream>();
  const ready = new Set<Stream>();
  let ended = false;
  let live = false;
  const liveness = trackLiveness(client, (reason) => end(reason));
  const alive = liveness.alive;
  const teardown = () => {
    ended = true;
    liveness.stop();
    for (const channel of channels) void client.removeChannel(channel);
  };
  const end = (reason: TransportFailure) => {
    if (ended) return;
    teardown();
    handlers.onClosed({ ...reason, lastAliveAt: liveness.lastAliveAt() });
  };
  const maybeLive = () => {
    if (live || ended || !streams.every((stream) => subscribed.has(stream) && ready.has(stream))) return;
    live = true;
    handlers.onLive();
  };
  const deliver = (stream: Stream, row: unknown) => {
    const parsed = parseEnvelope(realtimeRowToEnvelope(stream, row), { transport: 'realtime', receivedAt: Date.now() });
    if (!parsed.ok) return handlers.onInvalid(parsed.reason);
    remember(lastSeen, parsed.event);
    handlers.onEvent(parsed.event);
  };

  const open = (stream: Stream) => {
    const resumeId = sessionOptions.resumeFrom[stream];
    const last = lastSeen.get(stream);
    const replay = resumeId !== undefined && last ? { since: Math.floor(last.emittedAt), limit: REPLAY_LIMIT } : null;
    const channel = client.channel(broadcastTopic(stream), {
      config: { private: true, broadcast: { replication_ready: true, ...(replay ? { replay } : {}) } },
    });
    channels.push(channel);
    channel.on('broadcast', { event: '*' }, (message: BroadcastMessage) => {
      if (ended) return;
      alive();
      const payload = message.payload;
      if (message.event === 'INSERT') return deliver(stream, payload?.record);
      if (message.event === 'batch' && Array.isArray(payload?.rows)) {
        for (const row of payload.rows) deliver(stream, row);
        return;
      }
      handlers.onInvalid(`unexpected broadcast ${String(message.event)} on ${channel.topic}`);
    });
    channel.on('system', {}, (payload: { extension?: string; status?: string; message?: string }) => {
      if (ended || payload.extension !== 'system') return;
      alive();
      if (payload.status !== 'ok') return end(serverReason(payload.message ?? 'channel shut down'));
      ready.add(stream);
      maybeLive();
    });
    channel.subscribe((status, error) => {
      if (ended) return;
      switch (status) {
        case 'SUBSCRIBED':
          subscribed.add(stream);
          return maybeLive();
        case 'CHANNEL_ERROR':
          return end(serverReason(error?.message ?? 'channel error'));
        case 'TIMED_OUT':
          return end(failure('subscribe_timeout', 'channel join timed out'));
        case 'CLOSED':
          return end(failure('network', 'channel closed'));
      }
    });
  };

  const start = async () => {
    await freshToken(options);
    // Topics are fixed by the policies, and supabase-js hands out an existing channel of the same
    // topic: the previous session's channels must be gone before this one joins.
    const topics = new Set(streams.map((stream) => `realtime:${broadcastTopic(stream)}`));
    await Promise.all(client.getChannels().filter((channel) => topics.has(channel.topic)).map((channel) => client.removeChannel(channel)));
    if (ended) return;
    if (client.getChannels().some((channel) => topics.has(channel.topic))) return end(failure('channel_error', 'a previous channel of this topic is still open'));
    for (const stream of streams) open(stream);
  };
  start().catch((error: unknown) => end(failure('unauthorized', `cannot read the session: ${error instanceof Error ? error.message : String(error)}`)));

  return {
    close() {
      if (!ended) teardown();
    },
    checkAlive: () => checkStale(options, liveness, end),
  };
}

/**
 * Sets the token every join of this session carries, read now: supabase-js would otherwise send
 * the value it cached at the last heartbeat or join — after an expiry (a hidden tab whose
 * heartbeats stopped), a stale JWT the server refuses (supabase-js#2613, realtime-js#246/#274).
 * Without `getAccessToken`, `setAuth()` asks the client's `accessToken` callback.
 */
async function freshToken(options: RealtimeTransportOptions): Promise<void> {
  const token = options.getAccessToken ? await options.getAccessToken() : null;
  await options.client.realtime.setAuth(token ?? undefined);
}

/**
 * A hidden tab's timers are throttled or frozen (realtime-js#121): no heartbeat went out, the
 * server may have timed the socket out, and supabase-js still reports it connected. Back in view,
 * a session with no sign of life for `staleAfterMs` is ended rather than trusted.
 */
function checkStale(options: RealtimeTransportOptions, liveness: { lastAliveAt(): number }, end: (reason: TransportFailure) => void): void {
  const staleAfterMs = options.staleAfterMs ?? 2 * options.client.realtime.heartbeatIntervalMs;
  const quietMs = Date.now() - liveness.lastAliveAt();
  if (quietMs > staleAfterMs) end(failure('heartbeat_timeout', `no sign of life for ${Math.round(quietMs / 1000)} s while the tab was hidden`));
}

/**
 * A change Realtime could not send whole (`Error 413: Payload Too Large`: over 1,024 KB only the
 * short fields are kept). Rendering it would show a row with fields silently missing; instead it
 * is reported and the full row is fetched from history now (not at the next row or quiet check).
 */
function partialRow(handlers: TransportHandlers, stream: Stream, row: Record<string, unknown>, errors: readonly string[]): void {
  handlers.onInvalid(`${stream}: Realtime sent a partial row (${errors.join(', ')}); fetching it from history`);
  const id = Number(row.id);
  if (Number.isSafeInteger(id) && id > 0) handlers.onGap(stream, id - 1, id);
}

function serverReason(message: string): TransportFailure {
  return failure(realtimeReasonKind(message), message);
}

function remember(lastSeen: Map<Stream, { id: number; emittedAt: number }>, event: MonitoringEvent): void {
  const known = lastSeen.get(event.stream);
  if (!known || event.id > known.id) lastSeen.set(event.stream, { id: event.id, emittedAt: event.emittedAt });
}

/**
 * A session's last sign of life: a delivery, a system message or a heartbeat reply (both
 * strategies). A heartbeat left unanswered (supabase-js reports `timeout`, then tears the socket
 * down) is the only sign of a half-open socket: the session ends as `heartbeat_timeout`, which is
 * what the viewer is told, rather than as the channel error supabase-js raises next.
 */
function trackLiveness(client: SupabaseClient, onTimeout: (failure: TransportFailure) => void) {
  let lastAliveAt = Date.now();
  const alive = () => {
    lastAliveAt = Date.now();
  };
  const stop = onRealtimeHeartbeat(client, (status) => {
    if (status === 'ok') alive();
    else if (status === 'timeout') onTimeout(failure('heartbeat_timeout', `no heartbeat reply within ${client.realtime.heartbeatIntervalMs} ms (the connection went silent)`));
  });
  return { alive, stop, lastAliveAt: () => lastAliveAt };
}
