import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startThrowawayPostgres, tolerateShutdown, type ThrowawayPostgres } from '../../test-support/throwaway-postgres.js';
import { waitFor } from '../../test-support/wait-for.js';
import { startLeaderLease, type LeaderLease, type LeaseState } from './leader-lease.js';

let postgres: ThrowawayPostgres;
let admin: pg.Pool;

beforeAll(async () => {
  postgres = await startThrowawayPostgres({ seed: false });
  admin = tolerateShutdown(new pg.Pool({ connectionString: postgres.databaseUrl, max: 2 }));
});

afterAll(async () => {
  await admin?.end();
  await postgres?.stop();
});

/** Every span during which some candidate's jobs ran, in the order they began (open spans end at Infinity). */
const spans: Array<{ name: string; from: number; to: number }> = [];
const overlaps = () =>
  spans.flatMap((one, i) => spans.slice(i + 1).filter((other) => other.name !== one.name && other.from < one.to && one.from < other.to).map((other) => `${one.name}+${other.name}`));

/** A worker stand-in: records when its jobs run, and every state it went through. */
function candidate(name: string, lockName: string, databaseUrl = postgres.databaseUrl) {
  const log: string[] = [];
  let running = false;
  let starts = 0;
  const lease: LeaderLease = startLeaderLease({
    databaseUrl,
    lockName,
    retryMs: 200,
    checkMs: 300,
    reclaimMs: 3_000,
    async lead() {
      running = true;
      starts += 1;
      const span = { name, from: performance.now(), to: Infinity };
      spans.push(span);
      return async () => {
        running = false;
        span.to = performance.now();
      };
    },
    onState: (state: LeaseState, detail) => log.push(`${state}: ${detail}`),
  });
  return { name, lease, log, running: () => running, starts: () => starts };
}

/** A TCP path to Postgres that the test can cut (this worker's network fails; Postgres and the others' paths stay up). */
async function cuttablePath(port: number) {
  let open = true;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    if (!open) return inbound.destroy();
    const outbound = net.connect(port, '127.0.0.1');
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: proxyPort } = server.address() as net.AddressInfo;
  return {
    databaseUrl: postgres.databaseUrl.replace(`:${port}/`, `:${proxyPort}/`),
    cut() {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      open = true;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const leaders = (all: Array<ReturnType<typeof candidate>>) => all.filter((c) => c.running());

describe('the worker leader lease', () => {
  it('lets exactly one of two workers lead, and hands over when the leader stops', async () => {
    const a = candidate('a', 'test:handover');
    const b = candidate('b', 'test:handover');
    await Promise.all([a.lease.ready, b.lease.ready]);
    const [leader] = await waitFor(async () => leaders([a, b]).length === 1 && leaders([a, b]), 'one leader');
    const follower = leader === a ? b : a;
    expect(follower.lease.state()).toBe('following');
    await leader!.lease.close();
    expect(leader!.running()).toBe(false);
    await waitFor(async () => follower.running(), 'the follower to lead');
    expect(follower.lease.state()).toBe('leading');
    await follower.lease.close();
  });

  it('recognises its own lock on every check (keys of either sign), so a healthy leader never flaps to reclaiming', async () => {
    const { rows } = await admin.query<{ name: string; key: number }>(`select 'test:stable-' || n as name, hashtext('test:stable-' || n) as key from generate_series(1, 40) n`);
    const names = [rows.find((row) => row.key < 0)!.name, rows.find((row) => row.key > 0)!.name];
    for (const lockName of names) {
      const only = candidate('only', lockName);
      await only.lease.ready;
      await waitFor(async () => only.running(), 'it leads');
      // Three completed checks, seen from the server: the lease session's last statement is the term renewal that follows the lock check, each time anew.
      const seen = new Set<string>();
      await waitFor(async () => {
        const { rows: sessions } = await admin.query<{ started: string }>(
          `select query_start::text as started from pg_stat_activity where application_name = 'switchyard-worker-lease' and state = 'idle' and query like '%worker_leases%'`,
        );
        for (const session of sessions) seen.add(session.started);
        return seen.size >= 3;
      }, 'three ownership checks');
      expect(only.log.filter((line) => !line.startsWith('leading:'))).toEqual([]);
      expect(only.starts()).toBe(1);
      await only.lease.close();
    }
  });

  it('hands over when the leader’s session dies (a killed process), with the old leader’s jobs stopped', async () => {
    spans.length = 0;
    const a = candidate('a', 'test:killed');
    const b = candidate('b', 'test:killed');
    await Promise.all([a.lease.ready, b.lease.ready]);
    const [leader] = await waitFor(async () => leaders([a, b]).length === 1 && leaders([a, b]), 'one leader');
    // What the server sees when a leader is SIGKILLed: its session ends and the lock with it.
    const { rows } = await admin.query<{ pid: number }>(
      `select l.pid from pg_locks l join pg_stat_activity a using (pid) where l.locktype = 'advisory' and l.granted and a.application_name = 'switchyard-worker-lease'`,
    );
    expect(rows).toHaveLength(1);
    await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
    await waitFor(async () => leader!.lease.state() === 'reclaiming', 'the leader to notice', 5_000);
    // Either the follower takes the lease (once the old term has run out), or the old leader takes it back first; never both.
    const unsettled = ['reclaiming', 'waiting'];
    await waitFor(async () => !unsettled.includes(a.lease.state()) && !unsettled.includes(b.lease.state()), 'the lease settled', 15_000);
    expect(leaders([a, b])).toHaveLength(1);
    expect(overlaps()).toEqual([]);
    expect([a.lease.state(), b.lease.state()].sort()).toEqual(['following', 'leading']);
    await Promise.all([a.lease.close(), b.lease.close()]);
  });

  it('never lets two workers run jobs at once when the leader loses its path to Postgres and a follower takes the lock (review M3)', async () => {
    spans.length = 0;
    const path = await cuttablePath(postgres.port);
    const a = candidate('a', 'test:fenced', path.databaseUrl);
    await a.lease.ready;
    expect(a.lease.state()).toBe('leading');
    const b = candidate('b', 'test:fenced');
    await b.lease.ready;
    expect(b.lease.state()).toBe('following');
    // A's network goes: its session ends on the server (the lock with it) while A still believes it may reclaim.
    path.cut();
    await waitFor(async () => a.lease.state() === 'reclaiming', 'the leader to notice', 5_000);
    await waitFor(async () => b.running(), 'the follower to lead once the old term has run out', 15_000);
    // What operators (and the production rehearsal) look for: the handover says the lease was taken.
    expect(b.log.filter((line) => line.startsWith('leading:'))).toEqual([`leading: lease taken; the previous leader's term has ended, starting the jobs`]);
    expect(a.running()).toBe(false);
    expect(overlaps()).toEqual([]);
    path.restore();
    await waitFor(async () => a.lease.state() === 'following', 'the old leader to follow', 10_000);
    expect(overlaps()).toEqual([]);
    await Promise.all([a.lease.close(), b.lease.close()]);
    await path.close();
  });

  it('ends the session of a holder whose term ran out without renewal (a frozen host, an old server without idle_session_timeout: review M5)', async () => {
    const ghost = new pg.Client({ connectionString: postgres.databaseUrl, application_name: 'switchyard-worker-lease' });
    const ended = new Promise<void>((resolve) => ghost.on('error', () => resolve()));
    await ghost.connect();
    await ghost.query("select pg_advisory_lock(hashtext('test:frozen'))");
    await ghost.query("insert into public.worker_leases (name, holder, expires_at) values ('test:frozen', 'ghost', now() - interval '1 second')");
    const b = candidate('b', 'test:frozen');
    await b.lease.ready;
    await waitFor(async () => b.running(), 'the follower to lead once the frozen holder is gone', 10_000);
    await ended;
    expect(b.log.some((line) => line.includes('ended the session of a holder whose term ran out'))).toBe(true);
    await b.lease.close();
    await ghost.end().catch(() => undefined);
  });

  it('leaves a holder alone while its term runs (it may only be slow), and leads after a clean handover', async () => {
    const holder = new pg.Client({ connectionString: postgres.databaseUrl, application_name: 'switchyard-worker-lease' });
    await holder.connect();
    await holder.query("select pg_advisory_lock(hashtext('test:slow'))");
    await holder.query("insert into public.worker_leases (name, holder, expires_at) values ('test:slow', 'slow', now() + interval '1 hour')");
    const b = candidate('b', 'test:slow');
    await b.lease.ready;
    // Three follower tries later (each ends with its look at the term, seen from the server), the slow holder's session is still there and nobody else runs jobs.
    const tries = new Set<string>();
    await waitFor(async () => {
      const { rows } = await admin.query<{ started: string }>(
        `select query_start::text as started from pg_stat_activity where application_name = 'switchyard-worker-lease' and pid <> $1 and state = 'idle' and query like '%worker_leases%'`,
        [(holder as unknown as { processID: number }).processID],
      );
      for (const row of rows) tries.add(row.started);
      return tries.size >= 3;
    }, 'three tries', 10_000);
    expect((await holder.query('select 1')).rowCount).toBe(1);
    expect(b.lease.state()).toBe('following');
    expect(b.running()).toBe(false);
    await holder.query("update public.worker_leases set expires_at = now() where name = 'test:slow'");
    await holder.end();
    await waitFor(async () => b.running(), 'the follower to lead after the handover', 5_000);
    await b.lease.close();
  });

  it('keeps its jobs running through a Postgres restart and takes the lease again', async () => {
    const only = candidate('only', 'test:restart');
    await only.lease.ready;
    expect(only.lease.state()).toBe('leading');
    await postgres.restart({ downMs: 1_000 });
    await waitFor(async () => only.log.some((line) => line.startsWith('leading: lease taken again')), 'the lease taken again', 15_000);
    expect(only.starts()).toBe(1);
    expect(only.running()).toBe(true);
    await only.lease.close();
    expect(only.running()).toBe(false);
  });

  it('stops its jobs when Postgres stays away longer than the reclaim window, and leads again once it is back', async () => {
    const only = candidate('only', 'test:long-outage');
    await only.lease.ready;
    await postgres.restart({ downMs: 4_500 });
    await waitFor(async () => only.starts() === 2 && only.running(), 'the jobs started again', 20_000);
    expect(only.log.some((line) => line.startsWith('following: Postgres unreachable'))).toBe(true);
    await only.lease.close();
  });
});
