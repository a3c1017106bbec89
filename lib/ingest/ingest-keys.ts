// No 'server-only' marker: the dev orchestrator (tsx, outside Next) imports this module to
// register INGEST_API_KEY. It reads no env and holds no secret; the pool is passed in.
import { createHash, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import { ApiError } from '@/lib/api/api-error';

/** A caller of the ingest API, as its key row says. */
export interface IngestKey {
  id: number;
  name: string;
  rateLimitPerS: number;
}

const CACHE_TTL_MS = 5_000;
const MAX_KEY_LENGTH = 512;

interface CachedKey {
  hash: Buffer;
  key: IngestKey;
  revoked: boolean;
  expiresAt: number;
}

// Per pool, so two databases (tests, benchmarks) never share answers.
const caches = new WeakMap<pg.Pool, Map<string, CachedKey>>();

export function hashIngestKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Stores the key's hash under `name` (idempotent: an existing key keeps its row, its rate
 * limit and its revocation). Returns the key's row id.
 */
export async function registerIngestKey(pool: pg.Pool, name: string, key: string, options: { rateLimitPerS?: number } = {}): Promise<number> {
  if (key.length < 32 || key.length > MAX_KEY_LENGTH) throw new Error(`ingest: an ingest key must be 32..${MAX_KEY_LENGTH} characters`);
  const hash = hashIngestKey(key);
  const { rows } = await pool.query<{ id: string | number }>(
    `with inserted as (
       insert into public.ingest_keys (name, key_hash, rate_limit_per_s) values ($1, $2, coalesce($3, 50))
       on conflict (key_hash) do nothing returning id)
     select id from inserted union all select id from public.ingest_keys where key_hash = $2 limit 1`,
    [name, hash, options.rateLimitPerS ?? null],
  );
  const id = rows[0]?.id;
  if (id === undefined) throw new Error('ingest: registering the ingest key returned no row');
  return Number(id);
}

/**
 * The ingest key behind `Authorization: Bearer <key>`; 401 when it is missing, unknown or
 * revoked. Known keys are cached for a few seconds (a revocation takes effect within 5 s).
 */
export async function authenticateIngestKey(pool: pg.Pool, authorization: string | null): Promise<IngestKey> {
  const token = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
  if (!token || token.length > MAX_KEY_LENGTH) throw new ApiError('unauthorized', 'Send "Authorization: Bearer <ingest key>".', { headers: { 'www-authenticate': 'Bearer' } });
  const hex = hashIngestKey(token);
  const hash = Buffer.from(hex, 'hex');
  let cache = caches.get(pool);
  if (!cache) caches.set(pool, (cache = new Map()));
  let entry = cache.get(hex);
  if (!entry || entry.expiresAt < Date.now()) {
    entry = await lookup(pool, hex);
    if (entry) cache.set(hex, entry);
    else cache.delete(hex);
  }
  if (!entry || !timingSafeEqual(entry.hash, hash) || entry.revoked) {
    throw new ApiError('unauthorized', 'The ingest key is unknown or revoked.', { headers: { 'www-authenticate': 'Bearer' } });
  }
  return entry.key;
}

async function lookup(pool: pg.Pool, hex: string): Promise<CachedKey | undefined> {
  const { rows } = await pool.query<{ id: string | number; name: string; key_hash: string; revoked: boolean; rate_limit_per_s: number }>(
    'select id, name, key_hash, revoked_at is not null as revoked, rate_limit_per_s from public.ingest_keys where key_hash = $1',
    [hex],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    hash: Buffer.from(row.key_hash, 'hex'),
    key: { id: Number(row.id), name: row.name, rateLimitPerS: row.rate_limit_per_s },
    revoked: row.revoked,
    expiresAt: Date.now() + CACHE_TTL_MS,
  };
}
