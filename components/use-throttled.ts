'use client';

import { useEffect, useRef, useState } from 'react';

/**
 * `value`, passed on at most once per `intervalMs` (trailing edge: the newest value always
 * lands, at most `intervalMs` late). For consumers that gain nothing from every update of a
 * fast source — a chart whose finest step is a second, fed ~10 times a second.
 */
export function useThrottled<T>(value: T, intervalMs: number): T {
  const [shown, setShown] = useState(value);
  const lastAt = useRef(Number.NEGATIVE_INFINITY);
  useEffect(() => {
    if (Object.is(value, shown)) return;
    const timer = setTimeout(
      () => {
        lastAt.current = Date.now();
        setShown(value);
      },
      Math.max(0, lastAt.current + intervalMs - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [value, shown, intervalMs]);
  return shown;
}
