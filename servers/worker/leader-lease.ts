import { randomUUID } from 'node:crypto';
import pg from 'pg';

export type LeaseState = 'connecting' | 'following' | 'waiting' | 'leading' | 'reclaiming' | 'closed';

export interface LeaderLeaseOptions {
  databaseUrl: string;
  /** Advisory lock name; workers of one deployment share it. */
  lockName?: string;
  /** A follower tries to take the lease this often (5 s). */
  retryMs?: number;
  /** The leader checks its lease connection this often, and gives a check this long (5 s). */
  checkMs?: number;
  /**
   * A leader whose lease connection broke (Postgres restarting, network) keeps its jobs
   * running and tries to take the lease again for up to this long (30 s) after its last
   * renewal before it stops them: a Postgres restart (a 20-s drill, a failover) does not
   * restart the probe. Its term in `public.worker_leases` runs `reclaimMs + 3 × checkMs`
   * past that renewal (server clock), and no other worker starts jobs before the term ends,
   * so the old leader has stopped by its own clock before anyone else can lead.
   */
  reclaimMs?: number;
  /** Started on becoming leader; the returned stop is awaited on losing the lease or closing. */
  lead(): Promise<() => Promise<void>>;
  onState?: (state: LeaseState, detail: string) => void;
}

export interface LeaderLease {
  state(): LeaseState;
  /** Settles after the first attempt to take the lease (and the jobs' start, when it led). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * One leader among any number of workers: a session advisory lock held on a dedicated
 * connection (never a pooled one, and never through a transaction-mode pooler), plus a term
 * row in `public.worker_leases` that outlives the session. The lock decides who may claim
 * the term; the term decides when jobs may start. A leader renews its term on every check;
 * a worker that takes the lock while another's term is still running waits it out
 * ('waiting'), and a cut-off leader stops its jobs before its term ends by its own clock.
 * So a dead leader (SIGKILL, crash, host gone) frees the lock at once or within
 * `idle_session_timeout`, and a follower leads once the term is over; a cut-off leader and
 * a follower never run jobs at the same time (review M3). A closing leader ends its term.
 */
// eslint-disable-next-line max-lines-per-function -- a factory: the lock connection, its health check and the lead/follow loop share one state; each step is short.
export function startLeaderLease(options: LeaderLeaseOptions): LeaderLease {
  const lockName = options.lockName ?? 'switchyard:worker-leader';
  const retryMs = options.retryMs ?? 5_000;
  const checkMs = options.checkMs ?? 5_000;
  const reclaimMs = options.reclaimMs ?? 30_000;
  const idleTimeoutMs = Math.max(30_000, reclaimMs + 15_000);
  // The old leader's deadline can slip by one connection attempt (≤ checkMs) plus one retry
  // delay (≤ checkMs / 2) past `reclaimMs`, and its jobs get one more checkMs to stop.
  const termMs = reclaimMs + 3 * checkMs;
  const reclaimRetryMs = Math.min(1_000, checkMs / 2);
  const holder = randomUUID();
  const report = options.onState ?? (() => undefined);
  let state: LeaseState = 'connecting';
  let client: pg.Client | null = null;
  let stopJobs: (() => Promise<void>) | null = null;
  /** Local (monotonic) time at which the last successful renewal was sent: the jobs stop by `renewedAt + reclaimMs`. */
  let renewedAt = 0;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  let loop: Promise<void> = Promise.resolve();

  const setState = (next: LeaseState, detail: string) => {
    if (next === state && next !== 'connecting') return;
    state = next;
    report(next, detail);
  };
  const dropClient = () => {
    const old = client;
    client = null;
    old?.end().catch(() => undefined);
  };
  const connect = async (): Promise<pg.Client> => {
    const next = new pg.Client({ connectionString: options.databaseUrl, keepAlive: true, connectionTimeoutMillis: checkMs, query_timeout: checkMs, application_name: 'switchyard-worker-lease' });
    // A broken lease connection is noticed by the next check; the listener keeps it from ending the process.
    next.on('error', () => undefined);
    await next.connect();
    // Postgres ≥ 14; on an older server a vanished leader's lock waits for TCP keepalive instead.
    await next.query(`set idle_session_timeout = '${idleTimeoutMs}ms'`).catch((error: unknown) => {
      report(state, `cannot set idle_session_timeout (${message(error)}): a leader whose host vanishes holds the lease until TCP keepalive gives up`);
    });
    return next;
  };
  const tryLock = async (): Promise<boolean> => {
    client ??= await connect();
    const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1)) as locked', [lockName]);
    return rows[0]?.locked === true;
  };
  const holdsLock = async (): Promise<boolean> => {
    if (!client) return false;
    const { rows } = await client.query<{ held: boolean }>(
      `select exists (select 1 from pg_locks where locktype = 'advisory' and granted and pid = pg_backend_pid()
                        and objsubid = 1 and objid = (hashtext($1)::bigint & 4294967295)::oid) as held`,
      [lockName],
    );
    return rows[0]?.held === true;
  };
  /**
   * Claims or renews the term while holding the lock. Returns null when it is ours now, or
   * the milliseconds left of another holder's term. `renewedAt` is taken before the query
   * is sent, so the local deadline is never later than the server's `expires_at`.
   */
  const claimTerm = async (): Promise<number | null> => {
    const sentAt = performance.now();
    const { rows } = await client!.query<{ mine: boolean; left_ms: number }>(
      `with claimed as (
         insert into public.worker_leases as l (name, holder, epoch, expires_at)
         values ($1, $2, 1, now() + make_interval(secs => $3::double precision / 1000))
         on conflict (name) do update
           set holder = excluded.holder, expires_at = excluded.expires_at,
               epoch = l.epoch + case when l.holder = excluded.holder then 0 else 1 end
           where l.holder = excluded.holder or l.expires_at <= now()
         returning 1)
       select exists (select 1 from claimed) as mine,
              coalesce((select extract(epoch from (expires_at - now())) * 1000 from public.worker_leases where name = $1), 0)::float8 as left_ms`,
      [lockName, holder, termMs],
    );
    if (rows[0]?.mine) {
      renewedAt = sentAt;
      return null;
    }
    return Math.max(0, rows[0]?.left_ms ?? 0);
  };
  /**
   * A lock held by a session whose term ended more than one check ago without renewal
   * belongs to a host that is frozen or gone (its own clock stopped its jobs before the term
   * ended); when the server cannot end such sessions by `idle_session_timeout` (older
   * Postgres, TCP keepalive off), nobody would lead for hours. End it (review M5). A holder
   * whose term still runs is left alone, however slow. A lock without a term row (a worker
   * of an older version) is left alone too.
   */
  const endStaleHolder = async (): Promise<boolean> => {
    const { rows } = await client!.query<{ ended: boolean }>(
      `select pg_terminate_backend(l.pid) as ended
         from pg_locks l join public.worker_leases w on w.name = $1
        where l.locktype = 'advisory' and l.granted and l.objsubid = 1 and l.objid = (hashtext($1)::bigint & 4294967295)::oid
          and l.pid <> pg_backend_pid() and w.expires_at < now() - make_interval(secs => $2::double precision / 1000)`,
      [lockName, checkMs],
    );
    return rows.some((row) => row.ended);
  };
  const endTerm = async (session: pg.Client | null) => {
    await session?.query('update public.worker_leases set expires_at = now() where name = $1 and holder = $2', [lockName, holder]).catch(() => undefined);
  };
  const stop = async () => {
    const jobs = stopJobs;
    stopJobs = null;
    await jobs?.();
  };

  const lead = async (detail: string): Promise<number> => {
    setState('leading', detail);
    // Also when the jobs failed to start last time: try again while holding the lease.
    if (!stopJobs) stopJobs = await options.lead();
    return checkMs;
  };
  const wait = (termLeft: number): number => {
    setState('waiting', `lease taken; the previous leader's term ends in ${Math.ceil(termLeft / 1000)} s, jobs start then`);
    return Math.min(checkMs, Math.max(50, termLeft + 20));
  };

  /** One step of the state machine; returns the delay until the next. */
  const step = async (): Promise<number> => {
    if (state === 'leading' || state === 'waiting') {
      let termLeft: number | null;
      try {
        // Not just "the connection answers": this session still holds the lock (a pooler
        // swapping the backend, or a lock lost some other way, shows here).
        if (!(await holdsLock())) throw new Error('the lease session no longer holds the lock');
        termLeft = await claimTerm();
      } catch (error) {
        dropClient();
        if (state === 'waiting') {
          setState('following', `lease connection lost while waiting (${message(error)}); trying again every ${Math.round(retryMs / 1000)} s`);
          return retryMs;
        }
        setState('reclaiming', `lease connection lost (${message(error)}); jobs keep running while it is taken again`);
        return reclaimRetryMs;
      }
      if (termLeft !== null) return wait(termLeft);
      return lead(state === 'waiting' ? "lease taken; the previous leader's term has ended, starting the jobs" : 'term renewed');
    }
    let locked: boolean;
    try {
      locked = await tryLock();
    } catch (error) {
      dropClient();
      if (state === 'reclaiming' && performance.now() - renewedAt >= reclaimMs) {
        await stop();
        setState('following', `Postgres unreachable for ${Math.round(reclaimMs / 1000)} s (${message(error)}); jobs stopped, trying again every ${Math.round(retryMs / 1000)} s`);
      } else if (state === 'connecting') {
        setState('following', `cannot reach Postgres (${message(error)}); trying again every ${Math.round(retryMs / 1000)} s`);
      }
      return state === 'reclaiming' ? reclaimRetryMs : retryMs;
    }
    if (locked) {
      const termLeft = await claimTerm().catch((error: unknown) => {
        dropClient();
        throw error;
      });
      if (termLeft !== null) {
        // Our own term ran out while we were cut off, and someone else's is running: stop.
        if (state === 'reclaiming') await stop();
        return wait(termLeft);
      }
      return lead(state === 'reclaiming' ? 'lease taken again; jobs ran on' : 'lease taken; starting the jobs');
    }
    if (state === 'reclaiming') {
      await stop();
      setState('following', 'another worker took the lease; jobs stopped');
    } else if (await endStaleHolder()) {
      report(state, `ended the session of a holder whose term ran out ${Math.round(checkMs / 1000)} s ago without renewal (a frozen or vanished host); taking the lease next`);
      return Math.min(retryMs, 200);
    } else {
      setState('following', `another worker leads; trying every ${Math.round(retryMs / 1000)} s`);
    }
    return retryMs;
  };

  const schedule = (delayMs: number) => {
    if (closed) return;
    timer = setTimeout(() => {
      loop = step().then(schedule, (error: unknown) => {
        report(state, `lease step failed: ${message(error)}`);
        schedule(retryMs);
      });
    }, delayMs);
  };
  const ready = step().then(schedule, (error: unknown) => {
    report(state, `lease step failed: ${message(error)}`);
    schedule(retryMs);
  });
  loop = ready;

  return {
    state: () => state,
    ready,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await loop;
      await stop();
      // Ending the term and the session releases the lease: a follower takes over on its next try.
      const last = client;
      client = null;
      if (state === 'leading') await endTerm(last);
      await last?.end().catch(() => undefined);
      setState('closed', 'lease released');
    },
  };
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
