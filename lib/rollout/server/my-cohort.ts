import 'server-only';
import type { Cohort, RealtimeStrategy } from '@/lib/rollout/config';
import { realtimeStrategy } from '@/lib/rollout/strategy';
import { legacyFeedEnabled, type Stage } from '@/lib/rollout/stages';
import type { RolloutSubject } from '@/lib/rollout/evaluate';
import { serverCohort } from '@/lib/rollout/server/server-cohort';
import { transportCohortFlag } from '@/lib/rollout/server/transport-flag';
import { currentRolloutConfig, latestRolloutChange } from '@/lib/rollout/server/server-config';

/** What an open dashboard polls to follow rollout changes live (no page reload). */
export interface MyCohort {
  cohort: Cohort;
  bucket: number;
  configVersion: number;
  stage: Stage;
  killSwitch: boolean;
  /** How this viewer's Realtime transport receives the streams (per stage, overridable per user/segment). */
  realtimeStrategy: RealtimeStrategy;
  /** The legacy feed is off: never open a legacy socket. */
  legacyAvailable: boolean;
  /** Server clock (ms), for the client's clock-offset estimate. */
  serverTime: number;
  /** The last automatic rollout change (gate-runner rollback or advance) within 15 minutes, to announce. */
  automaticChange: { at: string; action: string; reason: string } | null;
}

const ANNOUNCE_FOR_MS = 15 * 60_000;

/**
 * `from`: the caller a route handler authenticated; without it, this request's session.
 * The cohort is the Flags SDK flag's value, so a Flags Explorer override holds for the open
 * dashboard's polling as it does for the page; the claim is re-signed only when it changed.
 */
export async function myCohort(from?: { subject: RolloutSubject; cohortCookie: string | null; request: Request }): Promise<{ body: MyCohort; cookie: string | null; subject: RolloutSubject }> {
  const [decision, config, change] = await Promise.all([serverCohort(from?.subject, from?.cohortCookie), currentRolloutConfig(), latestRolloutChange()]);
  const cohort = await transportCohortFlag.run({ identify: decision.subject, ...(from ? { request: from.request } : {}) });
  // Rollbacks and advances move viewers; a pause for a human does not and is not announced to them.
  const announce = change?.automatic && !change.action.startsWith('PAUSED') && Date.now() - Date.parse(change.at) < ANNOUNCE_FOR_MS;
  const recentAutomatic = change && announce ? { at: change.at, action: change.action, reason: change.reason } : null;
  return {
    body: {
      cohort,
      bucket: decision.bucket,
      configVersion: config.version,
      stage: config.stage,
      killSwitch: config.killSwitch,
      realtimeStrategy: realtimeStrategy(config, decision.subject).strategy,
      legacyAvailable: legacyFeedEnabled(config),
      serverTime: Date.now(),
      automaticChange: recentAutomatic,
    },
    cookie: decision.cookie,
    subject: decision.subject,
  };
}
