import { randomUUID } from 'node:crypto';
import type { MonitoringEvent, ProvenanceSource, Stream } from '@/lib/monitoring/model';
import { parseEnvelope } from '@/lib/monitoring/parse-envelope';
import { sampleData } from '@/test-support/monitoring/sample-rows';

/** A parsed event with the given id (a fresh event_id unless one is given). */
export function makeEvent(id: number, options: { stream?: Stream; eventId?: string; source?: ProvenanceSource } = {}): MonitoringEvent {
  const stream = options.stream ?? 'cache_metrics';
  const parsed = parseEnvelope(
    { id, event_id: options.eventId ?? randomUUID(), stream, emitted_at: new Date().toISOString(), data: sampleData(stream, id) },
    { transport: options.source ?? 'realtime', receivedAt: Date.now() },
  );
  if (!parsed.ok) throw new Error(`make-events: ${parsed.reason}`);
  return parsed.event;
}

export const ids = (events: readonly MonitoringEvent[]) => events.map((event) => event.id);
