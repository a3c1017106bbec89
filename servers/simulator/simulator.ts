import { createCacheNode, type CacheNode, type WindowMeasurement } from './cache-node.js';
import { defaultCaches, type CacheSpec } from './cache-spec.js';
import { createNodeDetector, defaultThresholds, type DetectorThresholds, type NodeDetector } from './event-detectors.js';
import { planLayout, type Layout } from './layout.js';
import type { LruCounters } from './lru-cache.js';
import type { OriginConfig } from './origin.js';
import { deriveSeed, mulberry32, randomUuid } from './prng.js';
import { defaultScenario, entriesDue, type Scenario, type ScenarioAction } from './scenario.js';
import { aggregateSecond } from './second-aggregate.js';
import type { CacheMetric, SystemEvent } from './wire.js';

export interface SimulatorOptions {
  seed: number;
  /** Target rows per simulated second; see `planLayout` for how it maps to shards and windows. Default: one sample per cache. */
  rate?: number;
  caches?: CacheSpec[];
  /** Origin settings shared by every cache (each `CacheSpec.origin` overrides them). */
  origin?: Partial<OriginConfig>;
  /** Scheduled operations (restarts, outages, squeezes); `noScenario` for none. */
  scenario?: Scenario;
  thresholds?: Partial<DetectorThresholds>;
  /** `source` of every row; shards append `/node-<n>`. */
  source?: string;
  /** Mixed into event ids only, so two runs with one seed produce the same numbers but distinct ids (ingest dedupes by event_id). */
  idSalt?: string;
}

/** One sub-second window's rows; `offsetMs` is its end within the second, for pacing. */
export interface SimulatedWindow {
  offsetMs: number;
  metrics: CacheMetric[];
  events: SystemEvent[];
}

/** One simulated second: every row in order, and the same rows grouped by window. */
export interface SimulatedSecond {
  second: number;
  metrics: CacheMetric[];
  events: SystemEvent[];
  windows: SimulatedWindow[];
}

export interface NodeCounters {
  cache_name: string;
  source: string;
  counters: LruCounters;
}

/** A deterministic cache workload: the same options give the same seconds, row for row. */
export interface Simulator {
  readonly layout: Layout;
  step(): SimulatedSecond;
  restart(cache: string): void;
  scaleCapacity(cache: string, factor: number): void;
  configureOrigin(cache: string, patch: Partial<OriginConfig>): void;
  resetOrigin(cache: string): void;
  /** Each shard's cumulative cache counters. */
  counters(): NodeCounters[];
}

export function createSimulator(options: SimulatorOptions): Simulator {
  const caches = options.caches ?? defaultCaches;
  assertUniqueNames(caches);
  const layout = planLayout(options.rate ?? 0, caches);
  const thresholds = { ...defaultThresholds, ...options.thresholds };
  const scenario = options.scenario ?? defaultScenario;
  const source = options.source ?? 'simulator';
  const ids = mulberry32(deriveSeed(options.seed, 'event-ids', options.idSalt ?? ''));
  const nodes: Array<{ node: CacheNode; detect: NodeDetector }> = [];
  for (const spec of caches) {
    for (let i = 0; i < layout.nodesPerCache; i++) {
      const nodeSource = layout.nodesPerCache === 1 ? source : `${source}/node-${i + 1}`;
      const random = mulberry32(deriveSeed(options.seed, spec.name, i));
      const node = createCacheNode(spec, { source: nodeSource, scale: layout.scale[spec.name] as number, random, origin: options.origin ?? {} });
      nodes.push({ node, detect: createNodeDetector(spec.name, thresholds) });
    }
  }
  const nodesOf = (cache: string) => {
    const found = nodes.filter((entry) => entry.node.cacheName === cache);
    if (found.length === 0) throw new Error(`simulator: no cache named "${cache}" (have ${caches.map((c) => c.name).join(', ')})`);
    return found;
  };
  const apply = (cache: string, action: ScenarioAction) => {
    for (const { node } of nodesOf(cache)) {
      if (action.type === 'restart') node.restart();
      else if (action.type === 'scale-capacity') node.scaleCapacity(action.factor);
      else if (action.type === 'origin') node.configureOrigin(action.patch);
      else node.resetOrigin();
    }
  };
  let second = 0;

  return {
    layout,
    step() {
      for (const entry of entriesDue(scenario, second)) apply(entry.cache, entry.action);
      // A slow sine wave (5-minute period) so load, and with it ops/s and hit ratio, moves like a real day.
      const load = 1 + 0.25 * Math.sin((2 * Math.PI * second) / 300);
      const perNode: WindowMeasurement[][] = nodes.map(() => []);
      const windows: SimulatedWindow[] = [];
      for (let w = 0; w < layout.windowsPerSecond; w++) {
        const metrics = nodes.map(({ node }, n) => {
          const measured = node.runWindow(layout.windowSeconds, load);
          perNode[n]?.push(measured);
          return toMetric(randomUuid(ids), node, measured);
        });
        windows.push({ offsetMs: Math.round(((w + 1) * 1000) / layout.windowsPerSecond), metrics, events: [] });
      }
      const events = nodes.flatMap(({ node, detect }, n) =>
        detect(aggregateSecond(perNode[n] ?? [])).map((event): SystemEvent => ({ event_id: randomUuid(ids), source: node.source, cache_name: node.cacheName, ...event })),
      );
      (windows.at(-1) as SimulatedWindow).events = events;
      second += 1;
      return { second, metrics: windows.flatMap((w) => w.metrics), events, windows };
    },
    restart: (cache) => apply(cache, { type: 'restart' }),
    scaleCapacity: (cache, factor) => apply(cache, { type: 'scale-capacity', factor }),
    configureOrigin: (cache, patch) => apply(cache, { type: 'origin', patch }),
    resetOrigin: (cache) => apply(cache, { type: 'origin-reset' }),
    counters: () => nodes.map(({ node }) => ({ cache_name: node.cacheName, source: node.source, counters: node.counters() })),
  };
}

function toMetric(eventId: string, node: CacheNode, m: WindowMeasurement): CacheMetric {
  return {
    event_id: eventId,
    source: node.source,
    cache_name: node.cacheName,
    window_seconds: m.windowSeconds,
    hits: m.hits,
    misses: m.misses,
    evictions: m.evictions,
    keys: m.keys,
    memory_bytes: m.bytes,
    hit_ratio: m.hits + m.misses === 0 ? 0 : m.hits / (m.hits + m.misses),
    ops_per_sec: m.gets / m.windowSeconds,
    p50_latency_ms: m.p50LatencyMs,
    p99_latency_ms: m.p99LatencyMs,
  };
}

function assertUniqueNames(caches: CacheSpec[]): void {
  const names = new Set<string>();
  for (const spec of caches) {
    if (spec.name.length < 1 || spec.name.length > 100) throw new Error(`simulator: cache names are 1..100 characters, got "${spec.name}"`);
    if (names.has(spec.name)) throw new Error(`simulator: duplicate cache name "${spec.name}"`);
    names.add(spec.name);
  }
}
