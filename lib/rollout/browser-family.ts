import type { BrowserFamily } from '@/lib/rollout/config';

/** Coarse browser family from a User-Agent, for segment rules (order matters: Edge says Chrome too). */
export function browserFamily(userAgent: string | null): BrowserFamily {
  if (!userAgent) return 'other';
  if (/\bEdg(e|A|iOS)?\//.test(userAgent)) return 'edge';
  if (/\b(Firefox|FxiOS)\//.test(userAgent)) return 'firefox';
  if (/\b(Chrome|Chromium|CriOS)\//.test(userAgent)) return 'chrome';
  if (/\bVersion\/[\d.]+.*Safari\//.test(userAgent)) return 'safari';
  return 'other';
}
