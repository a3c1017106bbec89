import { describe, expect, it } from 'vitest';
import { deploymentProblems, parseServerEnv } from '../../lib/env.js';
import { workerSettings } from '../env.js';

const PROJECT = {
  SUPABASE_URL: 'https://abcdefgh.supabase.co',
  SUPABASE_ANON_KEY: 'anon-key-0123456789abcdef',
  SUPABASE_SERVICE_ROLE_KEY: 'service-role-key-0123456789abcdef',
  SUPABASE_JWT_SECRET: 'jwt-secret-0123456789abcdef0123456789abcdef',
  DATABASE_URL: 'postgresql://postgres:pw@db.abcdefgh.supabase.co:5432/postgres',
};

describe('each production process checks its env at start', () => {
  it('the worker lists every missing key by name, and names a bad one with the reason', () => {
    let message = '';
    try {
      workerSettings({ SUPABASE_URL: 'not a url' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('the worker cannot start');
    for (const key of ['DATABASE_URL', 'SUPABASE_ANON_KEY', 'SUPABASE_SERVICE_ROLE_KEY', 'SUPABASE_JWT_SECRET', 'LEGACY_WS_URL', 'APP_URL']) expect(message).toContain(`- ${key}: missing`);
    expect(message).toMatch(/- SUPABASE_URL: (?!missing)/);
  });

  it('the worker needs only a project’s public settings, the feed and the app URL', () => {
    const settings = workerSettings({ ...PROJECT, LEGACY_WS_URL: 'wss://feed.example.com/v1/feed', APP_URL: 'https://switchyard.example.com' });
    expect(settings).toMatchObject({ VALIDATION_WINDOW_SECONDS: 60, VALIDATION_TICK_SECONDS: 15, WORKER_LEASE_RETRY_SECONDS: 5, WORKER_LEASE_RECLAIM_SECONDS: 30 });
  });

  it('the worker refuses a transaction-mode pooler, where its session lock would not hold', () => {
    const base = { ...PROJECT, LEGACY_WS_URL: 'wss://feed.example.com/v1/feed', APP_URL: 'https://switchyard.example.com' };
    for (const DATABASE_URL of ['postgresql://postgres.abcdefgh:pw@aws-0-eu-central-1.pooler.supabase.com:6543/postgres', 'postgresql://postgres:pw@db.example.com:5432/postgres?pgbouncer=true']) {
      expect(() => workerSettings({ ...base, DATABASE_URL })).toThrow(/- DATABASE_URL: is a transaction-mode pooler/);
    }
    expect(workerSettings({ ...base, DATABASE_URL: 'postgresql://postgres.abcdefgh:pw@aws-0-eu-central-1.pooler.supabase.com:5432/postgres' }).DATABASE_URL).toContain(':5432/');
  });

  it('the app lists its missing keys the same way', () => {
    expect(() => parseServerEnv({ ...PROJECT, SWITCHYARD_MODE: 'supabase' })).toThrow(/- LEGACY_WS_URL: missing[\s\S]*- ROLLOUT_COOKIE_SECRET: missing/);
  });

  it('npm start refuses a deployment that leaves the mode implicit, sends over plain http(s) off the host, or uses a public demo secret (review L7)', () => {
    const app = {
      ...PROJECT,
      LEGACY_WS_URL: 'wss://feed.example.com/v1/feed',
      LEGACY_PUBLISH_URL: 'https://feed.example.com/internal/publish',
      LEGACY_PUBLISH_KEY: 'publish-key-0123456789abcdef0123456789ab',
      ROLLOUT_COOKIE_SECRET: 'cookie-secret-0123456789abcdef0123456789',
      APP_URL: 'https://switchyard.example.com',
    };
    expect(deploymentProblems({ ...app, SWITCHYARD_MODE: 'supabase' })).toEqual([]);
    expect(deploymentProblems(app)).toEqual([expect.stringMatching(/^SWITCHYARD_MODE: missing/)]);
    const plain = deploymentProblems({ ...app, SWITCHYARD_MODE: 'supabase', SUPABASE_URL: 'http://abcdefgh.supabase.co', LEGACY_WS_URL: 'ws://feed.example.com/v1/feed', APP_URL: 'http://switchyard.example.com' });
    expect(plain.map((line) => line.split(':')[0])).toEqual(['SUPABASE_URL', 'APP_URL', 'LEGACY_WS_URL']);
    // Loopback stays allowed (the production rehearsal runs the stand-in on 127.0.0.1).
    expect(deploymentProblems({ ...app, SWITCHYARD_MODE: 'supabase', SUPABASE_URL: 'http://127.0.0.1:54321', APP_URL: 'http://127.0.0.1:3000' })).toEqual([]);
    const demo = deploymentProblems({ ...app, SWITCHYARD_MODE: 'supabase', SUPABASE_JWT_SECRET: 'super-secret-jwt-token-with-at-least-32-characters-long' });
    expect(demo).toEqual([expect.stringMatching(/^SUPABASE_JWT_SECRET: a publicly known demo secret/)]);
    expect(demo.join(' ')).not.toContain('super-secret');
    // The local stack's own mode needs neither TLS nor a project secret.
    expect(deploymentProblems({ ...app, SWITCHYARD_MODE: 'local', SUPABASE_URL: 'http://10.0.0.5:54321' })).toEqual([]);
  });
});
