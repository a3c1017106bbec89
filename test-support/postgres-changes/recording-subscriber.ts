import type { PostgresChangeData, PostgresChangesBinding, PostgresChangesSubscriber, SubscriberClaims } from '../../servers/local-supabase/realtime/postgres-changes/contract.js';

export interface RecordedFrame {
  ids: number[];
  data: PostgresChangeData;
}
type Status = { status: 'ok' | 'error'; message: string };

/** A contract-level subscriber that records what it gets and lets a test await it. */
export interface RecordingSubscriber {
  subscriber: PostgresChangesSubscriber;
  frames: RecordedFrame[];
  statuses: Status[];
  nextStatus(timeoutMs?: number): Promise<Status>;
  /** Resolves with the first recorded frame (from index `from`) satisfying `predicate`. */
  waitFor(predicate: (frame: RecordedFrame) => boolean, timeoutMs?: number, from?: number): Promise<RecordedFrame>;
}

let counter = 0;

export function recordingSubscriber(bindings: Array<Omit<PostgresChangesBinding, 'id'> & { id?: number }>, claims: SubscriberClaims = { role: 'service_role' }): RecordingSubscriber {
  const frames: RecordedFrame[] = [];
  const statuses: Status[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const until = <T>(check: () => T | undefined, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const attempt = () => {
        const value = check();
        if (value === undefined) return;
        waiters.delete(attempt);
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        waiters.delete(attempt);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; statuses ${JSON.stringify(statuses)}; ${frames.length} frames`));
      }, timeoutMs);
      waiters.add(attempt);
      attempt();
    });
  let statusesSeen = 0;
  counter += 1;
  return {
    frames,
    statuses,
    subscriber: {
      key: `test-${process.pid}-${counter}`,
      bindings: bindings.map((binding, index) => ({ ...binding, id: binding.id ?? index + 1 })),
      claims,
      deliver(frame) {
        frames.push(frame);
        wake();
      },
      status(result) {
        statuses.push(result);
        wake();
      },
    },
    nextStatus(timeoutMs = 10_000) {
      return until(() => (statuses.length > statusesSeen ? statuses[statusesSeen++] : undefined), timeoutMs, 'a status');
    },
    waitFor(predicate, timeoutMs = 10_000, from = 0) {
      return until(() => frames.slice(from).find(predicate), timeoutMs, 'a matching frame');
    },
  };
}
