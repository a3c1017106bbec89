import type { Envelope, MonitoringEvent, TransportKind } from '@/lib/monitoring/model';
import { parseEnvelope } from '@/lib/monitoring/parse-envelope';
import type { Transport, TransportHandlers, TransportSessionOptions } from '@/lib/monitoring/transport';
import type { TransportFailure } from '@/lib/monitoring/transport-failure';

export interface ScriptedSession {
  handlers: TransportHandlers;
  options: TransportSessionOptions;
  closed: boolean;
  isLive: boolean;
  live(): void;
  send(envelope: Envelope): void;
  /** Delivers an envelope marked as re-sent from the server's buffer (a resume replay). */
  replay(envelope: Envelope): void;
  fail(failure: TransportFailure): void;
}

/**
 * A transport double for controller tests (the controller is the subject; the real
 * transports have their own tests against real servers). The test drives each session.
 */
export interface ScriptedTransport extends Transport {
  sessions: ScriptedSession[];
  current(): ScriptedSession | undefined;
  /** Sessions open right now. */
  open(): ScriptedSession[];
  /** Delivers to every open session that went live (what a server would do). */
  broadcast(envelope: Envelope): void;
  /** When set, new sessions go live on their own right after connect (as a microtask). */
  autoLive: boolean;
}

export function createScriptedTransport(kind: TransportKind): ScriptedTransport {
  const sessions: ScriptedSession[] = [];
  const transport: ScriptedTransport = {
    kind,
    sessions,
    autoLive: false,
    current: () => sessions.at(-1),
    open: () => sessions.filter((session) => !session.closed),
    broadcast(envelope) {
      for (const session of sessions) if (!session.closed && session.isLive) session.send(envelope);
    },
    connect(handlers, options) {
      // Like the real transports, a failing session reports its last sign of life (here: its last delivery or going live).
      let lastAliveAt = Date.now();
      const deliver = (envelope: Envelope, replayed: boolean) => {
        if (session.closed) return;
        lastAliveAt = Date.now();
        const parsed = parseEnvelope(envelope, { transport: kind, receivedAt: Date.now(), ...(replayed ? { replayed } : {}) });
        if (parsed.ok) handlers.onEvent(parsed.event as MonitoringEvent);
        else handlers.onInvalid(parsed.reason);
      };
      const session: ScriptedSession = {
        handlers,
        options,
        closed: false,
        isLive: false,
        live() {
          if (session.closed) return;
          session.isLive = true;
          lastAliveAt = Date.now();
          handlers.onLive();
        },
        send(envelope) {
          deliver(envelope, false);
        },
        replay(envelope) {
          deliver(envelope, true);
        },
        fail(failure) {
          if (session.closed) return;
          session.closed = true;
          handlers.onClosed({ lastAliveAt, ...failure });
        },
      };
      sessions.push(session);
      if (transport.autoLive) queueMicrotask(() => session.live());
      return {
        close() {
          session.closed = true;
        },
      };
    },
  };
  return transport;
}
