import 'server-only';
import { serverEnv } from '@/lib/env';
import { signCohortCookie } from '@/lib/rollout/cohort-cookie';
import type { Cohort } from '@/lib/rollout/config';
import { legacyFeedEnabled, type Stage } from '@/lib/rollout/stages';
import type { RolloutSubject } from '@/lib/rollout/evaluate';
import { resolveCohort } from '@/lib/rollout/resolve-cohort';
import { currentRolloutConfig, latestRolloutChange } from '@/lib/rollout/server-config';

/** What an open dashboard polls to follow rollout changes live (no page reload). */
export interface MyCohort {
  cohort: Cohort;
  bucket: number;
  configVersion: number;
  stage: Stage;
  killSwitch: boolean;
  /** The legacy feed is off: never open a legacy socket. */
  legacyAvailable: boolean;
  /** Server clock (ms), for the client's clock-offset estimate. */
  serverTime: number;
  /** The last automatic rollout change (gate-runner rollback or advance) within 15 minutes, to announce. */
  automaticChange: { at: string; action: string; reason: string } | null;
}

const ANNOUNCE_FOR_MS = 15 * 60_000;

/** `from`: the caller a route handler authenticated; without it, this request's session. */
export async function myCohort(from?: { subject: RolloutSubject; cohortCookie: string | null }): Promise<{ body: MyCohort; cookie: string | null }> {
  const [resolved, config, change] = await Promise.all([resolveCohort(from?.subject, from?.cohortCookie), currentRolloutConfig(), latestRolloutChange()]);
  // Rollbacks and advances move viewers; a pause for a human does not and is not announced to them.
  const announce = change?.automatic && !change.action.startsWith('PAUSED') && Date.now() - Date.parse(change.at) < ANNOUNCE_FOR_MS;
  const recentAutomatic = change && announce ? { at: change.at, action: change.action, reason: change.reason } : null;
  const cookie =
    resolved.source === 'recomputed'
      ? await signCohortCookie({ userId: resolved.subject.userId, bucket: resolved.bucket, cohort: resolved.cohort, configVersion: resolved.configVersion }, serverEnv().ROLLOUT_COOKIE_SECRET)
      : null;
  return {
    body: {
      cohort: resolved.cohort,
      bucket: resolved.bucket,
      configVersion: config.version,
      stage: config.stage,
      killSwitch: config.killSwitch,
      legacyAvailable: legacyFeedEnabled(config),
      serverTime: Date.now(),
      automaticChange: recentAutomatic,
    },
    cookie,
  };
}
