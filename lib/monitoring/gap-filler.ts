import type { HistoryClient } from '@/lib/monitoring/history-client';
import type { MonitoringEvent, Stream } from '@/lib/monitoring/model';
import type { FillRequest, OrderedStream } from '@/lib/monitoring/ordered-stream';
import { decideRetry, type RetryPolicy } from '@/lib/monitoring/retry-policy';
import { failure } from '@/lib/monitoring/transport-failure';

export interface GapFillerOptions {
  history: HistoryClient;
  retry: RetryPolicy;
  random?: () => number;
  onStart(): void;
  onDone(outcome: { ok: boolean; error?: Error }): void;
}

/** Answers an ordered stream's fill requests from the history API, retrying failed requests with backoff. */
export interface GapFiller {
  fill(stream: Stream, target: OrderedStream<MonitoringEvent>, request: FillRequest): void;
  dispose(): void;
}

export function createGapFiller(options: GapFillerOptions): GapFiller {
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const attempts = new Map<Stream, number>();
  let disposed = false;

  return {
    fill(stream, target, request) {
      options.onStart();
      options.history.after(stream, request.afterId, request.untilId).then(
        (result) => {
          if (disposed) return;
          attempts.delete(stream);
          target.fill(result.events, { afterId: request.afterId, throughId: result.throughId });
          options.onDone({ ok: true });
        },
        (error: unknown) => {
          if (disposed) return;
          target.fillFailed();
          const attempt = (attempts.get(stream) ?? 0) + 1;
          attempts.set(stream, attempt);
          const cause = error instanceof Error ? error : new Error(String(error));
          options.onDone({ ok: false, error: cause });
          const decision = decideRetry(options.retry, failure('server_error', cause.message), attempt, options.random);
          if (!decision.retry) return;
          const timer = setTimeout(() => {
            timers.delete(timer);
            if (!disposed) target.requestFill(request.reason, request.untilId);
          }, decision.delayMs);
          timers.add(timer);
        },
      );
    },
    dispose() {
      disposed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
