/** Coalesces change notifications into at most one call per interval (trailing edge). */
export interface PublishThrottle {
  /** Something changed: publish within the current interval. */
  request(): void;
  setInterval(ms: number): void;
  /** Publishes now if a request is pending. */
  flush(): void;
  dispose(): void;
}

export function createPublishThrottle(publish: () => void, initialIntervalMs: number): PublishThrottle {
  let intervalMs = initialIntervalMs;
  let lastAt = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const fire = () => {
    timer = undefined;
    lastAt = Date.now();
    publish();
  };

  return {
    request() {
      if (timer !== undefined) return;
      timer = setTimeout(fire, Math.max(0, lastAt + intervalMs - Date.now()));
    },
    setInterval(ms) {
      intervalMs = ms;
    },
    flush() {
      if (timer === undefined) return;
      clearTimeout(timer);
      fire();
    },
    dispose() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
