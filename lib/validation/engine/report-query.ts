import { z } from 'zod';

/** `15m`, `2h`, `1d` → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d{1,5})(s|m|h|d)$/.exec(text.trim());
  if (!match) throw new Error(`validation: "${text}" is not a duration like 15m, 2h or 1d`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

export const reportQuerySchema = z
  .object({
    since: z
      .string()
      .regex(/^\d{1,5}(s|m|h|d)$/, 'use a duration like 15m, 2h or 1d')
      .default('60m'),
    cohort: z.enum(['shadow', 'realtime', 'probe']).optional(),
    browser: z.enum(['chrome', 'firefox', 'safari', 'edge', 'other', 'node']).optional(),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .strict();
export type ReportQuery = z.infer<typeof reportQuerySchema>;
