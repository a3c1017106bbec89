// Test support for the review's pipeline tests (not a test file itself): stored events in a
// chosen past minute, and observers reporting them through the real samples route.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { POST as samplesRoute } from '@/app/api/validation/samples/route';
import { db } from '@/lib/db/pool';
import type { RolloutCommand } from '@/lib/rollout/commands';
import { changeConfig } from '@/lib/rollout/server/config-store';
import { invalidateRolloutConfig } from '@/lib/rollout/server/server-config';
import { apiRequest, serviceRoleKey, userToken } from '@/test-support/api';
import type { SourceEvent } from '@/lib/validation/engine/analyze';
import type { RealtimeStrategy } from '@/contracts/transports';
import { loadSourceEvents } from '@/lib/validation/store/source-events';
import { setTestEnv } from '@/test-support/ingest';
import { startThrowawayPostgres, type ThrowawayPostgres } from '@/test-support/throwaway-postgres';

export const MINUTE = 60_000;

/**
 * Registers a test file's hooks: a throwaway Postgres (migrations and seed) with the app's env
 * pointing at it, stopped after the file. Returns its URL (once the hooks ran), for a pool of the test's own.
 */
export function pipelineDatabase(): () => string {
  let postgres: ThrowawayPostgres | undefined;
  beforeAll(async () => {
    postgres = await startThrowawayPostgres();
    setTestEnv({ databaseUrl: postgres.databaseUrl, publishUrl: 'http://127.0.0.1:9/internal/publish' });
  });
  afterAll(async () => {
    await db().end();
    await postgres?.stop();
  });
  return () => {
    if (!postgres) throw new Error('pipelineDatabase: the database starts in beforeAll');
    return postgres.databaseUrl;
  };
}

/** Empties validation and rollout state and starts `commands`, as if the stage began 10 minutes ago. */
export async function freshRun(commands: RolloutCommand[]): Promise<void> {
  await db().query(
    `truncate public.validation_samples, public.validation_errors, public.validation_windows, public.validation_discrepancies, public.validation_progress,
       public.validation_observers, public.validation_coverage, public.validation_quarantine, public.validation_rejections, public.gate_runner_state,
       public.rollout_config, public.rollout_audit, public.cache_metrics, public.system_events`,
  );
  await changeConfig(db(), { actor: { id: null, email: 'test' }, commands, reason: 'under test' });
  await db().query("update public.rollout_config set config = jsonb_set(config, '{stageSince}', to_jsonb($1::text))", [new Date(Date.now() - 10 * MINUTE).toISOString()]);
  invalidateRolloutConfig();
}

/** A signed-in user with an override to `cohort`. */
export async function viewerIn(cohort: 'shadow' | 'realtime'): Promise<{ sub: string; token: string }> {
  const sub = randomUUID();
  await changeConfig(db(), { actor: { id: null, email: 'test' }, commands: [{ type: 'set-override', userId: sub, cohort }], reason: 'test cohort' });
  invalidateRolloutConfig();
  return { sub, token: await userToken({ sub }) };
}

/** `n` cache metrics emitted in [minute + 2 s, minute + 50 s), with the digests the engine computes for them. */
export async function storeEventsIn(minute: number, n: number): Promise<SourceEvent[]> {
  await db().query(
    `insert into public.cache_metrics (event_id, emitted_at, source, cache_name, hits, misses, hit_ratio, evictions, keys, memory_bytes, ops_per_sec, p50_latency_ms, p99_latency_ms)
     select gen_random_uuid(), to_timestamp(($1::bigint + 2000 + (i * 48000 / $2::int)) / 1000.0), 'test', 'sessions', 9, 1, 0.9, 0, 10, 100, 10, 0.1, 0.2 from generate_series(0, $2::int - 1) i`,
    [minute, n],
  );
  const index = await loadSourceEvents(db(), minute, minute + MINUTE);
  return [...index.sorted];
}

/** The last minute start such that `minute` .. `minute + count` minutes closed ≥ 30 s ago (and within the 5-minute first-report slack). */
export function recentMinutes(count: number): number[] {
  const last = Math.floor((Date.now() - 30_000) / MINUTE) * MINUTE - MINUTE;
  return Array.from({ length: count }, (_, i) => last - (count - 1 - i) * MINUTE);
}

type Delivery = { event: SourceEvent; transport: 'legacy' | 'realtime'; lane: 'primary' | 'shadow' | 'baseline'; strategy?: RealtimeStrategy; digest?: string };

/**
 * One observer's report of `deliveries` through the real route, in batches of 1,000, with
 * coverage of `lanes` from `fromMs` (open) and `seen_through` = now.
 */
export async function report(options: {
  token: string;
  observer?: string;
  cohort: 'shadow' | 'realtime' | 'probe';
  browser?: string;
  lanes: Array<{ transport: 'legacy' | 'realtime'; lane: 'primary' | 'shadow' | 'baseline'; strategy?: RealtimeStrategy }>;
  fromMs: number;
  deliveries: Delivery[];
}): Promise<string> {
  const observer = options.observer ?? `${options.cohort === 'probe' ? 'probe' : 'tab'}-${randomUUID()}`;
  const seqs = new Map<string, number>();
  const samples = options.deliveries.map((d) => {
    const key = `${d.transport}:${d.lane}:${d.strategy ?? ''}`;
    const seq = seqs.get(key) ?? 0;
    seqs.set(key, seq + 1);
    return { event_id: d.event.eventId, id: d.event.id, stream: d.event.stream, transport: d.transport, lane: d.lane, ...(d.strategy ? { strategy: d.strategy } : {}), emitted_at: d.event.emittedMs, received_at: d.event.emittedMs + 20, digest: d.digest ?? d.event.digest, seq };
  });
  for (let i = 0; i === 0 || i < samples.length; i += 1_000) {
    const body = {
      observer,
      cohort: options.cohort,
      browser: options.browser ?? (options.cohort === 'probe' ? 'node' : 'chrome'),
      clock_offset_ms: 0,
      coverage: options.lanes.map((lane) => ({ ...lane, from: options.fromMs, to: null })),
      seen_through: Date.now(),
      samples: samples.slice(i, i + 1_000),
    };
    const response = await samplesRoute(apiRequest('/api/validation/samples', { token: options.token, body }));
    expect(response.status, await response.clone().text()).toBe(202);
  }
  return observer;
}

/** The probe reporting both lanes for `events`, minus the Realtime deliveries in `dropRealtime`. */
export async function probeReports(events: SourceEvent[], fromMs: number, dropRealtime: ReadonlySet<string> = new Set(), observer?: string): Promise<string> {
  return report({
    token: await serviceRoleKey(),
    observer,
    cohort: 'probe',
    lanes: [
      { transport: 'legacy', lane: 'primary' },
      { transport: 'realtime', lane: 'shadow' },
    ],
    fromMs,
    deliveries: events.flatMap((event) => [
      { event, transport: 'legacy' as const, lane: 'primary' as const },
      ...(dropRealtime.has(event.eventId) ? [] : [{ event, transport: 'realtime' as const, lane: 'shadow' as const }]),
    ]),
  });
}

/** The probe reporting legacy and both Realtime strategies for `events`, each strategy minus its deliveries in `drop`. */
export async function probeReportsBothStrategies(events: SourceEvent[], fromMs: number, drop: Partial<Record<RealtimeStrategy, ReadonlySet<string>>>): Promise<string> {
  const strategies = ['postgres_changes', 'broadcast'] as const;
  return report({
    token: await serviceRoleKey(),
    cohort: 'probe',
    lanes: [{ transport: 'legacy', lane: 'primary' }, ...strategies.map((strategy) => ({ transport: 'realtime' as const, lane: 'shadow' as const, strategy }))],
    fromMs,
    deliveries: events.flatMap((event) => [
      { event, transport: 'legacy' as const, lane: 'primary' as const },
      ...strategies.filter((strategy) => !drop[strategy]?.has(event.eventId)).map((strategy) => ({ event, transport: 'realtime' as const, lane: 'shadow' as const, strategy })),
    ]),
  });
}
