import { z } from 'zod';
import { abortableSleep } from './abortable-sleep.js';
import { splitBatch } from './batches.js';
import { backoffMs, isRetryableStatus, type RetryPolicy } from './retry-policy.js';
import type { IngestBatch } from './wire.js';

export type SendOutcome =
  | { ok: true; items: number; attempts: number }
  | { ok: false; items: number; attempts: number; status: number | null; code: string; message: string; retryable: boolean };

/** Posts batches to the ingest API with bearer auth, retrying 429/5xx/network failures per the policy. */
export interface IngestClient {
  /** `signal` cuts retry waits short (the request in flight still completes). */
  send(batch: IngestBatch, signal?: AbortSignal): Promise<SendOutcome>;
}

export interface IngestClientOptions {
  url: string;
  key: string;
  retry: RetryPolicy;
  random?: () => number;
  requestTimeoutMs?: number;
  /** Called before each retry's wait. */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

const errorEnvelope = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export function createIngestClient(options: IngestClientOptions): IngestClient {
  const random = options.random ?? Math.random;
  const timeoutMs = options.requestTimeoutMs ?? 15_000;

  // Deliberately not aborted by the caller's signal: a request already on the wire finishes, so closing loses nothing in flight.
  async function attemptOnce(batch: IngestBatch): Promise<{ status: number | null; code: string; message: string; retryAfter: string | null }> {
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json' },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      if (response.ok) return { status: response.status, code: 'ok', message: 'ok', retryAfter: null };
      const envelope = errorEnvelope.safeParse(safeJson(text));
      return {
        status: response.status,
        code: envelope.success ? envelope.data.error.code : `http_${response.status}`,
        message: envelope.success ? envelope.data.error.message : text.slice(0, 200) || response.statusText,
        retryAfter: response.headers.get('retry-after'),
      };
    } catch (error) {
      return { status: null, code: 'network', message: error instanceof Error ? error.message : String(error), retryAfter: null };
    }
  }

  async function send(batch: IngestBatch, signal?: AbortSignal): Promise<SendOutcome> {
    const items = batch.metrics.length + batch.events.length;
    for (let attempt = 1; ; attempt++) {
      const result = await attemptOnce(batch);
      if (result.status !== null && result.status >= 200 && result.status < 300) return { ok: true, items, attempts: attempt };
      // A server with a smaller body limit than ours: halve the batch rather than drop it.
      if (result.status === 413 && items > 1) {
        const [first, second] = splitBatch(batch);
        const a = await send(first, signal);
        const b = await send(second, signal);
        return a.ok && b.ok ? { ok: true, items, attempts: attempt + a.attempts + b.attempts } : a.ok ? b : a;
      }
      const retryable = result.status === null || isRetryableStatus(result.status);
      const failure = { ok: false as const, items, attempts: attempt, status: result.status, code: result.code, message: result.message, retryable };
      if (!retryable || attempt >= options.retry.attempts) return failure;
      const delayMs = backoffMs(options.retry, attempt - 1, random, result.retryAfter);
      options.onRetry?.({ attempt, delayMs, reason: result.status === null ? result.message : `HTTP ${result.status} ${result.code}` });
      if (!(await abortableSleep(delayMs, signal))) return failure;
    }
  }

  return { send };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}
