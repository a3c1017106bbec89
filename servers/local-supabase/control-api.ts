import type { IncomingMessage, ServerResponse } from 'node:http';
import { jwtVerify } from 'jose';
import { z } from 'zod';
import { parseJsonOrNull } from '../parse-json.js';
import type { ApiModule } from './api-server.js';
import type { Realtime } from './realtime/realtime.js';

const realtimeBodySchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('outage'), on: z.boolean() }).strict(),
  z.object({ action: z.literal('drop-postgres-changes'), rate: z.number().min(0).max(1) }).strict(),
]);

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
 * bearer): a Realtime outage on/off and dropped postgres_changes deliveries. Hosted
 * Supabase has no such thing; the app never calls it.
 */
export function createControlApi(realtime: Realtime, control: RealtimeControl, jwtSecret: string): ApiModule {
  return controlEndpoint('realtime', '/__switchyard/realtime', realtimeBodySchema, jwtSecret, async (body, send) => {
    if (body.action === 'outage') {
      control.outage = body.on;
      const dropped = body.on ? realtime.faults.dropConnections() : 0;
      send(200, { outage: control.outage, dropped });
    } else {
      realtime.faults.dropPostgresChangesRate(body.rate);
      send(200, { dropPostgresChangesRate: body.rate });
    }
  });
}

/**
 * `POST /__switchyard/postgres` `{"action":"restart","downMs":20000}` (service-role bearer): a
 * real stop and start of the embedded Postgres server process, answered once it is back
 * (`npm run stack:restart-postgres` calls it). One restart at a time (409 otherwise).
 */
export function createPostgresControlApi(postgres: PostgresControl, jwtSecret: string): ApiModule {
  let restarting = false;
  return controlEndpoint('postgres', '/__switchyard/postgres', postgresBodySchema, jwtSecret, async (body, send) => {
    if (restarting) return send(409, { message: 'a Postgres restart is already under way' });
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
      if (req.method !== 'POST') return send(405, { message: 'POST only' }), true;
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const role = token ? await jwtVerify(token, key, { algorithms: ['HS256'] }).then((r) => r.payload.role, () => null) : null;
      if (role !== 'service_role') return send(401, { message: 'service_role bearer required' }), true;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > 4096) return send(413, { message: 'body too large' }), true;
        chunks.push(chunk as Buffer);
      }
      const parsed = schema.safeParse(parseJsonOrNull(Buffer.concat(chunks).toString('utf8')) ?? undefined);
      if (!parsed.success) return send(400, { message: parsed.error.issues.map((i) => i.message).join('; ') }), true;
      await handle(parsed.data, send);
      return true;
    },
    async close() {},
  };
}
