'use client';

import useSWR from 'swr';
import { fetcher } from '@/lib/swr/fetcher';
import type { ValidationReport } from '@/lib/validation/store/report';

export interface ReportFilters {
  since: string;
  cohort: string;
  browser: string;
}

export function reportUrl(filters: ReportFilters, format: 'json' | 'csv' = 'json'): string {
  const params = new URLSearchParams({ since: filters.since, format });
  if (filters.cohort) params.set('cohort', filters.cohort);
  if (filters.browser) params.set('browser', filters.browser);
  return `/api/validation/report?${params}`;
}

/** The live validation report: re-fetched every 5 s. */
export function useValidationReport(filters: ReportFilters) {
  return useSWR<ValidationReport>(reportUrl(filters), fetcher, { refreshInterval: 5_000, keepPreviousData: true });
}
