import pg from 'pg';

export type LeaseState = 'connecting' | 'following' | 'leading' | 'reclaiming' | 'closed';

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
   * running and tries to take the lease again for this long (30 s) before it stops them:
   * a Postgres restart (a 20-s drill, a failover) does not restart the probe. Shorter than the
   * server-side idle timeout below, so a silent old leader has stopped before anyone else can lead.
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
 * connection (never a pooled one, and never through a transaction-mode pooler). The lock
 * lives exactly as long as the connection, so a leader that dies (SIGKILL, crash, host gone)
 * frees it: at once when its socket closes, and within `idle_session_timeout` (45 s, set on
 * the lease session; the leader's check keeps it busy) when the host just vanishes.
 * Followers take it on their next try.
 */
// eslint-disable-next-line max-lines-per-function -- a factory: the lock connection, its health check and the lead/follow loop share one state; each step is short.
export function startLeaderLease(options: LeaderLeaseOptions): LeaderLease {
  const lockName = options.lockName ?? 'switchyard:worker-leader';
  const retryMs = options.retryMs ?? 5_000;
  const checkMs = options.checkMs ?? 5_000;
  const reclaimMs = options.reclaimMs ?? 30_000;
  const idleTimeoutMs = Math.max(30_000, reclaimMs + 15_000);
  const report = options.onState ?? (() => undefined);
  let state: LeaseState = 'connecting';
  let client: pg.Client | null = null;
  let stopJobs: (() => Promise<void>) | null = null;
  let lostAt = 0;
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
  const stop = async () => {
    const jobs = stopJobs;
    stopJobs = null;
    await jobs?.();
  };

  /** One step of the state machine; returns the delay until the next. */
  const step = async (): Promise<number> => {
    if (state === 'leading') {
      try {
        // Not just "the connection answers": this session still holds the lock (a pooler
        // swapping the backend, or a lock lost some other way, shows here).
        if (!(await holdsLock())) throw new Error('the lease session no longer holds the lock');
      } catch (error) {
        dropClient();
        lostAt = Date.now();
        setState('reclaiming', `lease connection lost (${message(error)}); jobs keep running while it is taken again`);
        return 1_000;
      }
      // The jobs failed to start last time: try again while holding the lease.
      if (!stopJobs) stopJobs = await options.lead();
      return checkMs;
    }
    let locked: boolean;
    try {
      locked = await tryLock();
    } catch (error) {
      dropClient();
      if (state === 'reclaiming' && Date.now() - lostAt >= reclaimMs) {
        await stop();
        setState('following', `Postgres unreachable for ${Math.round(reclaimMs / 1000)} s (${message(error)}); jobs stopped, trying again every ${Math.round(retryMs / 1000)} s`);
      } else if (state === 'connecting') {
        setState('following', `cannot reach Postgres (${message(error)}); trying again every ${Math.round(retryMs / 1000)} s`);
      }
      return state === 'reclaiming' ? 1_000 : retryMs;
    }
    if (locked) {
      const was = state;
      setState('leading', was === 'reclaiming' ? 'lease taken again; jobs ran on' : 'lease taken; starting the jobs');
      if (!stopJobs) stopJobs = await options.lead();
      return checkMs;
    }
    if (state === 'reclaiming') {
      await stop();
      setState('following', 'another worker took the lease; jobs stopped');
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
      // Ending the session releases the lock: a follower takes over on its next try.
      const last = client;
      client = null;
      await last?.end().catch(() => undefined);
      setState('closed', 'lease released');
    },
  };
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
