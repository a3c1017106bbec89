'use client';

import { useEffect, useRef, useState } from 'react';
import { createPublishThrottle, type PublishThrottle } from '@/lib/monitoring/publish-throttle';

/**
 * `value`, passed on at most once per `intervalMs` (trailing edge: the newest value always
 * lands, at most `intervalMs` late), with the feed's own throttle. For consumers that gain
 * nothing from every update of a fast source — a chart whose finest step is a second.
 */
export function useThrottled<T>(value: T, intervalMs: number): T {
  const [shown, setShown] = useState(value);
  const latest = useRef(value);
  const throttle = useRef<PublishThrottle | null>(null);
  useEffect(() => {
    const current = createPublishThrottle(() => setShown(latest.current), intervalMs);
    throttle.current = current;
    // A value that arrived under the previous interval still lands.
    current.request();
    return () => {
      current.dispose();
      throttle.current = null;
    };
  }, [intervalMs]);
  useEffect(() => {
    latest.current = value;
    throttle.current?.request();
  }, [value]);
  return shown;
}
