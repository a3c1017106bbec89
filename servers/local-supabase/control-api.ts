import type { IncomingMessage, ServerResponse } from 'node:http';
import { jwtVerify } from 'jose';
import { z } from 'zod';
import { parseJsonOrNull } from '../parse-json.js';
import type { ApiModule } from './api-server.js';
import { LIMIT_FAULTS } from './realtime/limit-faults.js';
import type { Realtime } from './realtime/realtime.js';

const count = z.number().int().min(0).max(1_000);
const realtimeBodySchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('outage'), on: z.boolean() }).strict(),
  z.object({ action: z.literal('drop-postgres-changes'), rate: z.number().min(0).max(1) }).strict(),
  // The failure modes of issue 14 (docs/runbook.md §13), each as `Realtime.faults` names it.
  z.object({ action: z.literal('drop-next-postgres-changes'), count }).strict(),
  z.object({ action: z.literal('half-open') }).strict(),
  z.object({ action: z.literal('ignore-heartbeats'), on: z.boolean() }).strict(),
  z.object({ action: z.literal('refuse-joins'), count, reason: z.string().min(1).max(200).optional(), disconnect: z.boolean().optional() }).strict(),
  z.object({ action: z.literal('delay-database-ready'), ms: z.number().int().min(0).max(60_000) }).strict(),
  z.object({ action: z.literal('limit'), kind: z.enum(LIMIT_FAULTS), times: count.default(1) }).strict(),
  z.object({ action: z.literal('clear') }).strict(),
]);
type RealtimeBody = z.infer<typeof realtimeBodySchema>;

/** Longest Postgres downtime a drill may ask for. */
export const MAX_POSTGRES_DOWN_MS = 120_000;
const postgresBodySchema = z.object({ action: z.literal('restart'), downMs: z.number().int().min(0).max(MAX_POSTGRES_DOWN_MS).default(0) }).strict();

export interface RealtimeControl {
  /** While on, upgrades are refused (503) and existing sockets were dropped: a Realtime outage. */
  outage: boolean;
}

/** What the stack lets a drill do to its embedded Postgres. */
export interface PostgresControl {
  /** Stops the server process, waits `downMs`, starts it again; resolves once it accepts connections. */
  restart(downMs: number): Promise<{ pid: number | null }>;
}

type Send = (status: number, body: unknown) => void;

/**
 * Local-only fault controls for tests and drills (`POST /__switchyard/realtime`, service-role
 * bearer): a Realtime outage on/off and the failure modes of docs/runbook.md §13 (dropped
 * deliveries, half-open sockets, refused joins, late readiness, plan limits). Hosted Supabase
 * has no such thing; the app never calls it.
 */
export function createControlApi(realtime: Realtime, control: RealtimeControl, jwtSecret: string): ApiModule {
  return controlEndpoint('realtime', '/__switchyard/realtime', realtimeBodySchema, jwtSecret, async (body, send) => send(200, applyRealtimeFault(realtime, control, body)));
}

/** One drill action on the Realtime server; answers what it did. */
function applyRealtimeFault(realtime: Realtime, control: RealtimeControl, body: RealtimeBody): Record<string, unknown> {
  const { faults } = realtime;
  switch (body.action) {
    case 'outage':
      control.outage = body.on;
      return { outage: control.outage, dropped: body.on ? faults.dropConnections() : 0 };
    case 'drop-postgres-changes':
      faults.dropPostgresChangesRate(body.rate);
      return { dropPostgresChangesRate: body.rate };
    case 'drop-next-postgres-changes':
      faults.dropNextPostgresChanges(body.count);
      return { dropNext: body.count };
    case 'half-open':
      return { frozen: faults.halfOpenConnections() };
    case 'ignore-heartbeats':
      faults.ignoreHeartbeats(body.on);
      return { ignoreHeartbeats: body.on };
    case 'refuse-joins':
      faults.refuseJoins(body.count, body.reason, { disconnect: body.disconnect });
      return { refuseJoins: body.count };
    case 'delay-database-ready':
      faults.delayDatabaseReady(body.ms);
      return { delayDatabaseReadyMs: body.ms };
    case 'limit':
      return { limit: body.kind, hit: faults.injectLimit(body.kind, body.times) };
    case 'clear':
      control.outage = false;
      faults.clear();
      return { cleared: true };
  }
}

/**
 * `POST /__switchyard/postgres` `{"action":"restart","downMs":20000}` (service-role bearer): a
 * real stop and start of the embedded Postgres server process, answered once it is back
 * (`npm run stack:restart-postgres` calls it). One restart at a time (409 otherwise).
 */
export function createPostgresControlApi(postgres: PostgresControl, jwtSecret: string): ApiModule {
  let restarting = false;
  return controlEndpoint('postgres', '/__switchyard/postgres', postgresBodySchema, jwtSecret, async (body, send) => {
    if (restarting) return send(409, { error: { code: 'restart_in_progress', message: 'a Postgres restart is already under way' } });
    restarting = true;
    const started = performance.now();
    try {
      const { pid } = await postgres.restart(body.downMs);
      send(200, { restarted: true, downMs: body.downMs, pid, tookMs: Math.round(performance.now() - started) });
    } finally {
      restarting = false;
    }
  });
}

function controlEndpoint<S extends z.ZodType>(name: string, prefix: string, schema: S, jwtSecret: string, handle: (body: z.infer<S>, send: Send) => Promise<void>): ApiModule {
  const key = new TextEncoder().encode(jwtSecret);
  return {
    name: `control:${name}`,
    async handleHttp(req: IncomingMessage, res: ServerResponse) {
      if (!req.url?.startsWith(prefix)) return false;
      const send: Send = (status, body) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const fail = (status: number, code: string, message: string) => send(status, { error: { code, message } });
      if (req.method !== 'POST') return fail(405, 'method_not_allowed', 'POST only'), true;
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const role = token ? await jwtVerify(token, key, { algorithms: ['HS256'] }).then((r) => r.payload.role, () => null) : null;
      if (role !== 'service_role') return fail(401, 'unauthorized', 'service_role bearer required'), true;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > 4096) return fail(413, 'body_too_large', 'body too large (4096 bytes at most)'), true;
        chunks.push(chunk as Buffer);
      }
      const parsed = schema.safeParse(parseJsonOrNull(Buffer.concat(chunks).toString('utf8')) ?? undefined);
      if (!parsed.success) return fail(400, 'invalid_body', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')), true;
      await handle(parsed.data, send);
      return true;
    },
    async close() {},
  };
}
