import { deriveSeed, hash32, logNormal, type Random } from './prng.js';

/** How the slow backing service behind a cache behaves (all times in virtual milliseconds). */
export interface OriginConfig {
  /** Median fetch latency; the distribution is log-normal. */
  medianLatencyMs: number;
  /** Shape of the log-normal (0.5 ⇒ p99 ≈ 3.2 × median). */
  latencySigma: number;
  /** Probability that a fetch fails; a failed fetch costs `timeoutMs`. */
  errorRate: number;
  /** Fetches slower than this fail as timeouts. */
  timeoutMs: number;
}

export const defaultOrigin: OriginConfig = { medianLatencyMs: 8, latencySigma: 0.5, errorRate: 0.001, timeoutMs: 250 };

export type OriginResult = { ok: true; bytes: number; latencyMs: number } | { ok: false; reason: 'error' | 'timeout'; latencyMs: number };

/**
 * A simulated origin: nothing sleeps — each fetch returns how long it would have taken, so
 * a simulated second runs in microseconds and is reproducible. A key's value size is a
 * pure function of the key, so a re-fetched key occupies the same bytes again.
 */
export interface Origin {
  fetch(key: number, random: Random): OriginResult;
  configure(patch: Partial<OriginConfig>): void;
  config(): OriginConfig;
}

export function createOrigin(name: string, valueBytes: { min: number; max: number }, initial: Partial<OriginConfig> = {}): Origin {
  let config = validate({ ...defaultOrigin, ...initial });
  const salt = deriveSeed('value-size', name);
  const span = valueBytes.max - valueBytes.min + 1;
  return {
    fetch(key, random) {
      if (random() < config.errorRate) return { ok: false, reason: 'error', latencyMs: config.timeoutMs };
      const latencyMs = logNormal(random, config.medianLatencyMs, config.latencySigma);
      if (latencyMs > config.timeoutMs) return { ok: false, reason: 'timeout', latencyMs: config.timeoutMs };
      return { ok: true, bytes: valueBytes.min + (hash32(salt, key) % span), latencyMs };
    },
    configure(patch) {
      config = validate({ ...config, ...patch });
    },
    config: () => ({ ...config }),
  };
}

function validate(config: OriginConfig): OriginConfig {
  if (!(config.errorRate >= 0 && config.errorRate <= 1)) throw new Error(`origin: errorRate must be within 0..1, got ${config.errorRate}`);
  if (!(config.medianLatencyMs > 0) || !(config.timeoutMs > 0) || !(config.latencySigma >= 0)) {
    throw new Error(`origin: latencies must be positive, got ${JSON.stringify(config)}`);
  }
  return config;
}
