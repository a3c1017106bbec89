import * as v from 'valibot';
import { describeIssue, safeInt } from '@/contracts/envelope';
import { MAX_HISTORY_LIMIT } from '@/contracts/history';
import type { MonitoringEvent, Stream } from '@/lib/monitoring/model';
import { parseEnvelope } from '@/lib/monitoring/parse-envelope';

const pageSchema = v.object({
  stream: v.string(),
  items: v.array(v.unknown()),
  next_after: v.nullable(safeInt(0)),
});

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

export interface HistoryClientOptions {
  /** Injected: `fetch` in the browser (same-origin cookies), anything fetch-shaped in tests. */
  fetch: FetchLike;
  /** Default `/api/monitoring/events`; absolute in Node. */
  baseUrl?: string;
  pageSize?: number;
  /** Pages per fill before stopping (the ordered stream asks again if a hole remains). */
  maxPages?: number;
  onInvalid?(reason: string): void;
}

/** Parses one history response body (e.g. from SWR) into events; invalid items are reported and dropped. */
export function parseHistoryPage(body: unknown, onInvalid?: (reason: string) => void): MonitoringEvent[] {
  const page = v.safeParse(pageSchema, body);
  if (!page.success) throw new Error(`monitoring: history response is malformed (${describeIssue(page.issues, 'body')})`);
  const receivedAt = Date.now();
  const events: MonitoringEvent[] = [];
  for (const item of page.output.items) {
    const parsed = parseEnvelope(item, { transport: 'history', receivedAt });
    if (parsed.ok) events.push(parsed.event);
    else onInvalid?.(parsed.reason);
  }
  return events.sort((a, b) => a.id - b.id);
}

export interface FillResult<E extends MonitoringEvent = MonitoringEvent> {
  events: E[];
  /** Every id in (afterId, throughId] that exists was returned. */
  throughId: number;
}

/** The history / gap-fill API (`GET /api/monitoring/events`), parsed at the edge. */
export interface HistoryClient {
  /** The newest `limit` rows, ascending by id. */
  latest(stream: Stream, limit: number): Promise<MonitoringEvent[]>;
  /** Rows after `afterId`, paging until exhausted or past `untilId`. */
  after(stream: Stream, afterId: number, untilId?: number | null): Promise<FillResult>;
}

export function createHistoryClient(options: HistoryClientOptions): HistoryClient {
  const baseUrl = options.baseUrl ?? '/api/monitoring/events';
  const pageSize = Math.min(options.pageSize ?? 500, MAX_HISTORY_LIMIT);
  const maxPages = options.maxPages ?? 20;

  async function page(params: Record<string, string>): Promise<{ events: MonitoringEvent[]; nextAfter: number | null }> {
    const url = `${baseUrl}?${new URLSearchParams(params).toString()}`;
    let response: Response;
    try {
      response = await options.fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
    } catch (error) {
      throw new Error(`monitoring: history request failed (${url})`, { cause: error });
    }
    if (!response.ok) throw new Error(`monitoring: history request failed (HTTP ${response.status}, ${url})`);
    const body: unknown = await response.json().catch(() => null);
    const nextAfter = v.is(pageSchema, body) ? body.next_after : null;
    try {
      return { events: parseHistoryPage(body, options.onInvalid), nextAfter };
    } catch (error) {
      throw new Error(`monitoring: history response is malformed (${url})`, { cause: error });
    }
  }

  return {
    async latest(stream, limit) {
      const { events } = await page({ stream, latest: 'true', limit: String(Math.min(limit, MAX_HISTORY_LIMIT)) });
      return events;
    },
    async after(stream, afterId, untilId = null) {
      const events: MonitoringEvent[] = [];
      let cursor = afterId;
      for (let pages = 0; pages < maxPages; pages += 1) {
        const result = await page({ stream, after: String(cursor), limit: String(pageSize) });
        events.push(...result.events);
        if (result.nextAfter === null || result.nextAfter <= cursor) break;
        cursor = result.nextAfter;
        if (untilId !== null && cursor >= untilId) break;
      }
      return { events, throughId: Math.max(afterId, cursor, ...events.map((event) => event.id)) };
    },
  };
}
