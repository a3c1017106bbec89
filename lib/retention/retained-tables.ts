/**
 * The tables retention trims and the column that dates each row. The periods live in
 * `public.retention_policy` (defaults in its migration, changed with an UPDATE); this list
 * says only how to find a row's age, so a policy row can never name an arbitrary table.
 */
export const RETAINED_TABLES = {
  cache_metrics: { column: 'emitted_at', unit: 'timestamptz' },
  system_events: { column: 'emitted_at', unit: 'timestamptz' },
  cache_metrics_1m: { column: 'bucket', unit: 'timestamptz' },
  cache_metrics_1h: { column: 'bucket', unit: 'timestamptz' },
  validation_samples: { column: 'emitted_ms', unit: 'ms' },
  validation_errors: { column: 'at', unit: 'timestamptz' },
  validation_coverage: { column: 'until_ms', unit: 'ms' },
  validation_observers: { column: 'last_batch_at', unit: 'timestamptz' },
  validation_windows: { column: 'minute', unit: 'timestamptz' },
  validation_discrepancies: { column: 'minute', unit: 'timestamptz' },
  rollout_audit: { column: 'at', unit: 'timestamptz' },
} as const satisfies Record<string, { column: string; unit: 'timestamptz' | 'ms' }>;

export type RetainedTable = keyof typeof RETAINED_TABLES;

export const isRetainedTable = (name: string): name is RetainedTable => Object.hasOwn(RETAINED_TABLES, name);
