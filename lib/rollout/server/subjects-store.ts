import 'server-only';
import type pg from 'pg';
import { BROWSER_FAMILIES, type BrowserFamily, type Cohort } from '@/lib/rollout/config';
import type { RolloutSubject } from '@/lib/rollout/evaluate';

const RECORD_EVERY_MS = 60_000;
const lastRecorded = new Map<string, number>();

/** Remembers that a subject was served a cohort (at most once a minute per user). */
export async function recordSighting(pool: pg.Pool, subject: RolloutSubject, cohort: Cohort, configVersion: number): Promise<void> {
  const now = Date.now();
  if ((lastRecorded.get(subject.userId) ?? 0) > now - RECORD_EVERY_MS) return;
  lastRecorded.set(subject.userId, now);
  if (lastRecorded.size > 50_000) lastRecorded.clear();
  await pool.query(
    `insert into public.rollout_subjects (user_id, email, role, segment, browser, last_cohort, last_config_version)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (user_id) do update set email = excluded.email, role = excluded.role, segment = excluded.segment,
       browser = excluded.browser, last_cohort = excluded.last_cohort, last_config_version = excluded.last_config_version, last_seen = now()`,
    [subject.userId, subject.email, subject.role, subject.segment, subject.browser, cohort, configVersion],
  );
}

/** Every known subject: all accounts plus every visitor seen in the last 30 days. */
export async function listKnownSubjects(pool: pg.Pool): Promise<RolloutSubject[]> {
  const result = await pool.query<{ user_id: string; email: string | null; role: string; segment: string | null; browser: string | null }>(
    `select coalesce(s.user_id, u.id::text) as user_id, coalesce(u.email, s.email) as email,
            coalesce(s.role, case when u.raw_app_meta_data ->> 'role' = 'admin' then 'admin' else 'viewer' end) as role,
            coalesce(u.raw_app_meta_data ->> 'segment', s.segment) as segment, s.browser
       from auth.users u
       full join (select * from public.rollout_subjects where last_seen > now() - interval '30 days') s on s.user_id = u.id::text`,
  );
  return result.rows.map((row) => ({
    userId: row.user_id,
    email: row.email,
    role: row.role === 'admin' || row.role === 'viewer' ? row.role : 'anonymous',
    segment: row.segment,
    browser: (BROWSER_FAMILIES as readonly string[]).includes(row.browser ?? '') ? (row.browser as BrowserFamily) : 'other',
  }));
}

/** Looks a subject up by user id or email, for "explain user". */
export async function findSubject(pool: pg.Pool, query: string): Promise<RolloutSubject | null> {
  const needle = query.trim().toLowerCase();
  const all = await listKnownSubjects(pool);
  return all.find((subject) => subject.userId.toLowerCase() === needle || subject.email?.toLowerCase() === needle) ?? null;
}
