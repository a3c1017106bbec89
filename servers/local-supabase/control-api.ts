import type { IncomingMessage, ServerResponse } from 'node:http';
import { jwtVerify } from 'jose';
import { z } from 'zod';
import type { ApiModule } from './api-server.js';
import type { Realtime } from './realtime/realtime.js';

const bodySchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('outage'), on: z.boolean() }).strict(),
  z.object({ action: z.literal('drop-postgres-changes'), rate: z.number().min(0).max(1) }).strict(),
]);

export interface RealtimeControl {
  /** While on, upgrades are refused (503) and existing sockets were dropped: a Realtime outage. */
  outage: boolean;
}

/**
 * Local-only fault controls for tests and drills (`POST /__switchyard/realtime`, service-role
 * bearer): a Realtime outage on/off and dropped postgres_changes deliveries. Hosted
 * Supabase has no such thing; the app never calls it.
 */
export function createControlApi(realtime: Realtime, control: RealtimeControl, jwtSecret: string): ApiModule {
  const key = new TextEncoder().encode(jwtSecret);
  return {
    name: 'control',
    async handleHttp(req: IncomingMessage, res: ServerResponse) {
      if (!req.url?.startsWith('/__switchyard/realtime')) return false;
      const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
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
      const parsed = bodySchema.safeParse(safeJson(Buffer.concat(chunks).toString('utf8')));
      if (!parsed.success) return send(400, { message: parsed.error.issues.map((i) => i.message).join('; ') }), true;
      if (parsed.data.action === 'outage') {
        control.outage = parsed.data.on;
        const dropped = parsed.data.on ? realtime.faults.dropConnections() : 0;
        send(200, { outage: control.outage, dropped });
      } else {
        realtime.faults.dropPostgresChangesRate(parsed.data.rate);
        send(200, { dropPostgresChangesRate: parsed.data.rate });
      }
      return true;
    },
    async close() {},
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}
