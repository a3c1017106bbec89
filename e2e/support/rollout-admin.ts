import type { APIRequestContext, APIResponse } from '@playwright/test';
import type { RolloutCommand } from '@/lib/rollout/commands';
import type { Cohort, RolloutConfig } from '@/lib/rollout/config';
import type { AuditEntry } from '@/lib/rollout/server/config-store';
import type { GateSummary } from '@/lib/swr/use-migration-gates';
import type { ValidationReport } from '@/lib/validation/store/report';

/** The rollout admin API driven with the service-role key, as a script or runbook would. */
export interface RolloutAdmin {
  overview(): Promise<{ config: RolloutConfig; audit: AuditEntry[] }>;
  /** Saves commands against the current version (re-reading it when someone saved first). */
  change(commands: RolloutCommand[], reason: string, options?: { force?: boolean }): Promise<RolloutConfig>;
  /** Kill switch off, stage legacy-only, no overrides, no auto-advance. */
  reset(): Promise<void>;
  /** The cohort the server decides for a known user (by email), with its bucket. */
  explain(email: string): Promise<{ userId: string; cohort: Cohort; bucket: number }>;
  /** Ids of `cache_metrics` rows in the database with first ≤ id ≤ last (≤ 1,000). */
  metricIdsBetween(first: number, last: number): Promise<number[]>;
  /** The gates of the current stage and what the gate runner would do (GET /api/migration/gates). */
  gates(): Promise<GateSummary>;
  /** The validation report with the admin's oversight section (GET /api/validation/report). */
  report(since: string): Promise<ValidationReport>;
}

export function rolloutAdmin(request: APIRequestContext, serviceRoleKey: string): RolloutAdmin {
  const headers = { authorization: `Bearer ${serviceRoleKey}` };
  const json = async <T>(response: APIResponse, what: string): Promise<T> => {
    if (!response.ok()) throw new Error(`e2e: ${what} answered ${response.status()}: ${await response.text()}`);
    return (await response.json()) as T;
  };
  const overview = async () => json<{ config: RolloutConfig; audit: AuditEntry[] }>(await request.get('/api/rollout/config', { headers }), 'GET /api/rollout/config');

  const admin: RolloutAdmin = {
    overview,
    async change(commands, reason, options = {}) {
      for (let attempt = 1; ; attempt += 1) {
        const { config } = await overview();
        const response = await request.post('/api/rollout/config', { headers, data: { commands, reason, expectedVersion: config.version, force: options.force ?? false } });
        // 409 conflict: the gate runner (or another admin) saved in between; retry on the new version.
        if (response.status() === 409 && attempt < 3 && (await response.text()).includes('"conflict"')) continue;
        return (await json<{ config: RolloutConfig }>(response, `POST /api/rollout/config ${JSON.stringify(commands)}`)).config;
      }
    },
    async reset() {
      const { config } = await overview();
      const commands: RolloutCommand[] = [];
      if (config.killSwitch) commands.push({ type: 'set-kill-switch', killSwitch: false });
      if (config.stage !== 'legacy-only' || config.percentage > 0 || config.highWater > 0) commands.push({ type: 'rollback', toStage: 'legacy-only' });
      if (config.autoAdvance) commands.push({ type: 'set-auto-advance', autoAdvance: false });
      // A paused gate runner from an earlier story must not hold this one.
      await request.post('/api/migration/gates', { headers, data: { action: 'resume' } });
      for (const userId of Object.keys(config.overrides)) commands.push({ type: 'remove-override', userId });
      for (const userId of Object.keys(config.strategyOverrides ?? {})) commands.push({ type: 'remove-strategy-override', userId });
      if (commands.length > 0) await admin.change(commands, 'e2e: reset to legacy-only before a story');
    },
    async explain(email) {
      const body = await json<{ subject: { userId: string }; decision: { cohort: Cohort; bucket: number } }>(
        await request.get(`/api/rollout/explain?user=${encodeURIComponent(email)}`, { headers }),
        `GET /api/rollout/explain ${email}`,
      );
      return { userId: body.subject.userId, cohort: body.decision.cohort, bucket: body.decision.bucket };
    },
    gates: async () => json<GateSummary>(await request.get('/api/migration/gates', { headers }), 'GET /api/migration/gates'),
    report: async (since) => json<ValidationReport>(await request.get(`/api/validation/report?since=${since}`, { headers }), 'GET /api/validation/report'),
    async metricIdsBetween(first, last) {
      // Keyset pages of 1,000 until the range is covered (the page may hold many more rows).
      const ids: number[] = [];
      let after: number | null = first - 1;
      while (after !== null) {
        const page: { items: Array<{ id: number }>; next_after: number | null } = await json(
          await request.get(`/api/monitoring/events?stream=cache_metrics&after=${after}&before=${last + 1}&limit=1000`, { headers }),
          'GET /api/monitoring/events',
        );
        ids.push(...page.items.map((item) => item.id));
        after = page.next_after;
      }
      return ids;
    },
  };
  return admin;
}
