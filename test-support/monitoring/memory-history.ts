import type { Envelope, Stream } from '@/lib/monitoring/model';
import { sampleEnvelope } from '@/test-support/monitoring/sample-rows';

/**
 * An in-memory stand-in for the table and the history API's query semantics, for unit
 * tests where the API is not the subject (fake timers rule out real sockets there).
 */
export interface MemoryHistory {
  rows: Record<Stream, Envelope[]>;
  /** Appends a row with the next id (or the given one: sequences may skip). */
  insert(stream: Stream, id?: number): Envelope;
  fetch(url: string): Promise<Response>;
  requests: string[];
  /** While set, requests fail with HTTP 503. */
  down: boolean;
}

export function createMemoryHistory(): MemoryHistory {
  const rows: Record<Stream, Envelope[]> = { cache_metrics: [], system_events: [] };
  const history: MemoryHistory = {
    rows,
    requests: [],
    down: false,
    insert(stream, id) {
      const envelope = sampleEnvelope(stream, id ?? (rows[stream].at(-1)?.id ?? 0) + 1);
      rows[stream].push(envelope);
      rows[stream].sort((a, b) => a.id - b.id);
      return envelope;
    },
    async fetch(url) {
      history.requests.push(url);
      if (history.down) return Response.json({ error: { code: 'unavailable', message: 'down' } }, { status: 503 });
      const params = new URL(url, 'http://history.test').searchParams;
      const stream = params.get('stream') as Stream;
      const limit = Number(params.get('limit') ?? 100);
      const all = rows[stream];
      if (params.get('latest') === 'true') return Response.json({ stream, items: all.slice(-limit), next_after: null });
      const after = Number(params.get('after') ?? 0);
      const items = all.filter((row) => row.id > after).slice(0, limit);
      const more = all.some((row) => row.id > (items.at(-1)?.id ?? after)) && items.length === limit;
      return Response.json({ stream, items, next_after: more ? (items.at(-1)?.id ?? null) : null });
    },
  };
  return history;
}
