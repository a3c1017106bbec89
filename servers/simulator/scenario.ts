import type { OriginConfig } from './origin.js';

export type ScenarioAction =
  | { type: 'restart' }
  | { type: 'scale-capacity'; factor: number }
  | { type: 'origin'; patch: Partial<OriginConfig> }
  | { type: 'origin-reset' };

/** At simulated second `at` (counted from 0, repeating every `periodSeconds`), do `action` to every shard of `cache`. */
export interface ScenarioEntry {
  at: number;
  cache: string;
  action: ScenarioAction;
}

export interface Scenario {
  periodSeconds: number;
  entries: ScenarioEntry[];
}

/**
 * A ten-minute operations day on repeat: a session-store restart, a catalog origin outage,
 * a pricing capacity squeeze and a catalog restart. The events these cause are detected
 * from the measurements, not announced by the scenario.
 */
export const defaultScenario: Scenario = {
  periodSeconds: 600,
  entries: [
    { at: 90, cache: 'sessions', action: { type: 'restart' } },
    { at: 200, cache: 'catalog', action: { type: 'origin', patch: { errorRate: 0.8 } } },
    { at: 215, cache: 'catalog', action: { type: 'origin-reset' } },
    { at: 330, cache: 'pricing', action: { type: 'scale-capacity', factor: 0.25 } },
    { at: 420, cache: 'pricing', action: { type: 'scale-capacity', factor: 1 } },
    { at: 500, cache: 'catalog', action: { type: 'restart' } },
  ],
};

export const noScenario: Scenario = { periodSeconds: 1, entries: [] };

export function entriesDue(scenario: Scenario, second: number): ScenarioEntry[] {
  const at = second % scenario.periodSeconds;
  return scenario.entries.filter((entry) => entry.at === at);
}
