import { STREAMS, type Stream } from '@/lib/monitoring/model';
import { parseEnvelope } from '@/lib/monitoring/parse-envelope';
import type { Transport, TransportHandlers, TransportSession, TransportSessionOptions } from '@/lib/monitoring/transport';
import { failure, type TransportFailure } from '@/lib/monitoring/transport-failure';
import { legacyCloseFailure } from '@/lib/monitoring/transports/legacy-close-codes';
import { decodeLegacyFrame, type LegacyServerFrame } from '@/lib/monitoring/transports/legacy-frames';
import { SOCKET_OPEN, type SocketConstructor, type SocketLike } from '@/lib/monitoring/transports/socket-like';

export interface LegacyTransportOptions {
  /** `ws://…/v1/feed` */
  url: string;
  /** Browser `WebSocket`, or `WebSocket` from `ws` in Node. */
  WebSocket: SocketConstructor;
  /** The user's current Supabase access token; null when signed out. Called per session and before expiry. */
  getAccessToken(): Promise<string | null>;
  streams?: readonly Stream[];
  /** Send the refreshed token this long before the current one expires (default 60 s). */
  refreshLeadMs?: number;
}

/**
 * The legacy feed (docs/legacy-protocol.md): `auth` then `subscribe` with resume,
 * live on `subscribed`, `gap` frames handed up for history fill, dead-connection
 * detection at 2 × heartbeat, token refresh before expiry, close codes as named failures.
 */
export function createLegacyTransport(options: LegacyTransportOptions): Transport {
  return {
    kind: 'legacy',
    connect: (handlers, session) => openLegacySession(options, handlers, session),
  };
}

// eslint-disable-next-line max-lines-per-function -- one socket session's state (auth, resume cursors, heartbeat) shared by its short handlers.
function openLegacySession(options: LegacyTransportOptions, handlers: TransportHandlers, session: TransportSessionOptions): TransportSession {
  const streams = [...(options.streams ?? STREAMS)];
  let socket: SocketLike | null = null;
  let ended = false;
  let lastFrameAt = Date.now();
  let livenessTimer: ReturnType<typeof setInterval> | undefined;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let currentToken: string | null = null;
  /** Per stream, replayed event frames still to come after `subscribed` (protocol §Resume). */
  const replaying: Partial<Record<Stream, number>> = {};

  const cleanup = () => {
    clearInterval(livenessTimer);
    clearTimeout(refreshTimer);
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = null;
    // Kept (not null): `ws` throws on an 'error' event without a listener, e.g. when closed while connecting.
    socket.onerror = () => {};
  };

  function end(reason: TransportFailure) {
    if (ended) return;
    ended = true;
    cleanup();
    socket?.close(1000, reason.kind);
    handlers.onClosed({ ...reason, lastAliveAt: lastFrameAt });
  }

  const send = (frame: unknown) => {
    if (socket?.readyState === SOCKET_OPEN) socket.send(JSON.stringify(frame));
  };

  function watchLiveness(heartbeatMs: number) {
    clearInterval(livenessTimer);
    // Nothing at all for 2 × heartbeat means the server or the path is gone (protocol §Liveness).
    livenessTimer = setInterval(() => {
      if (Date.now() - lastFrameAt > 2 * heartbeatMs) end(failure('heartbeat_timeout', `no frame for ${2 * heartbeatMs} ms`));
    }, Math.max(100, Math.floor(heartbeatMs / 2)));
  }

  function scheduleRefresh(expiresAtS: number) {
    clearTimeout(refreshTimer);
    const delay = Math.min(expiresAtS * 1000 - Date.now() - (options.refreshLeadMs ?? 60_000), 2 ** 31 - 1);
    refreshTimer = setTimeout(() => {
      options.getAccessToken().then(
        (token) => {
          if (ended || !token || token === currentToken) return;
          currentToken = token;
          send({ type: 'token', token });
        },
        // A failed refresh is not fatal yet: the server closes with 4002 at expiry and the session retries.
        () => {},
      );
    }, Math.max(0, delay));
  }

  function onFrame(frame: LegacyServerFrame) {
    switch (frame.type) {
      case 'ready':
        watchLiveness(frame.heartbeat_ms);
        return scheduleRefresh(frame.expires_at);
      case 'token_refreshed':
        return scheduleRefresh(frame.expires_at);
      case 'subscribed':
        Object.assign(replaying, frame.replay ?? {});
        return handlers.onLive();
      case 'event':
        return envelopeArrived(frame.envelope, Date.now());
      case 'events': {
        // One publish, in its order (the server sends replays as single frames, before any of these).
        const receivedAt = Date.now();
        for (const envelope of frame.envelopes) envelopeArrived(envelope, receivedAt);
        return;
      }
      case 'gap':
        return handlers.onGap(frame.stream, frame.from - 1, frame.to ?? null);
      case 'error':
        return handlers.onInvalid(`legacy server rejected a frame: ${frame.code} ${frame.message}`);
      case 'unsubscribed':
      case 'heartbeat':
      case 'pong':
        return;
    }
  }

  /** One envelope of an `event` or `events` frame: parsed at the edge, marked replayed while its stream's replay lasts. */
  function envelopeArrived(envelope: unknown, receivedAt: number) {
    const parsed = parseEnvelope(envelope, { transport: 'legacy', receivedAt });
    if (!parsed.ok) return handlers.onInvalid(parsed.reason);
    const left = replaying[parsed.event.stream] ?? 0;
    if (left > 0) {
      // The server sends a stream's replay right after `subscribed`, before its live events.
      replaying[parsed.event.stream] = left - 1;
      parsed.event.provenance.replayed = true;
    }
    handlers.onEvent(parsed.event);
  }

  function open(token: string) {
    currentToken = token;
    const ws = new options.WebSocket(options.url);
    socket = ws;
    ws.onopen = () => {
      lastFrameAt = Date.now();
      // Frames are handled in order server-side, so auth and subscribe may be pipelined.
      send({ type: 'auth', token });
      const resume = Object.fromEntries(streams.flatMap((stream) => (session.resumeFrom[stream] === undefined ? [] : [[stream, session.resumeFrom[stream]]])));
      // `batch`: one WebSocket message per publish — each message is a task on the page's main thread.
      send({ type: 'subscribe', streams, batch: true, ...(Object.keys(resume).length > 0 ? { resume } : {}) });
    };
    ws.onmessage = (event) => {
      if (ended) return;
      lastFrameAt = Date.now();
      const decoded = decodeLegacyFrame(event.data);
      if (decoded.ok) onFrame(decoded.frame);
      else handlers.onInvalid(decoded.reason);
    };
    ws.onclose = (event) => end(legacyCloseFailure(event.code, event.reason));
    // An error is always followed by close, which carries the code.
    ws.onerror = () => {};
  }

  options.getAccessToken().then(
    (token) => {
      if (ended) return;
      if (!token) return end(failure('unauthorized', 'no signed-in session for the legacy feed'));
      try {
        open(token);
      } catch (error) {
        end(failure('network', `legacy: cannot open ${options.url}: ${error instanceof Error ? error.message : String(error)}`));
      }
    },
    (error: unknown) => end(failure('network', `legacy: cannot read the access token: ${error instanceof Error ? error.message : String(error)}`)),
  );

  return {
    close() {
      if (ended) return;
      ended = true;
      cleanup();
      socket?.close(1000, 'client closed');
    },
  };
}
