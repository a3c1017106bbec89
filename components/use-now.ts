'use client';

import { useEffect, useState } from 'react';

/** The clock, re-read every `intervalMs`: for ages, stale marks and sliding windows. */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
