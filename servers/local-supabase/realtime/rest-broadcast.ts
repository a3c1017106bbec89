import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { PRIVATE_CHANNEL_ROLES, TOPIC_PREFIX, roomKeyOf } from './channel.js';
import type { FanoutFrame } from './fanout-frame.js';
import { jsonFanout, userBroadcastFanout } from './fanout-frame.js';
import type { JwtClaims } from './jwt.js';
import { countDelivered, countSent, overMessageRate } from './message-rate.js';
import type { RealtimeContext } from './realtime-context.js';
import { ENCODING_BINARY } from './serializer.js';

const BATCH_PATHS: ReadonlySet<string> = new Set(['/realtime/v1/api/broadcast', '/api/broadcast']);
const SINGLE_PATH = /^(?:\/realtime\/v1)?\/api\/broadcast\/([^/]+)\/events\/([^/]+)$/;

const batchBody = z.object({
  messages: z.array(
    z.object({
      topic: z.string().min(1),
      event: z.string().min(1),
      payload: z.record(z.string(), z.unknown()),
      private: z.boolean().optional(),
      id: z.string().optional(),
    }),
  ),
});

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'authorization, apikey, content-type, x-client-info, x-supabase-api-version',
  'access-control-max-age': '86400',
};

/**
 * `POST /realtime/v1/api/broadcast` (batch) and `POST /realtime/v1/api/broadcast/:topic/events/:event`
 * (broadcast_controller.ex). Returns false for any other path.
 */
export async function handleRestBroadcast(ctx: RealtimeContext, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const single = SINGLE_PATH.exec(url.pathname);
  if (!single && !BATCH_PATHS.has(url.pathname)) return false;
  if (req.method === 'OPTIONS') return respond(res, 204);
  if (req.method !== 'POST') return respond(res, 405, { message: 'Method Not Allowed' });
  const claims = authorize(ctx, req);
  if (!claims) return respond(res, 401, { message: 'Unauthorized' });
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (single && contentType !== '' && contentType !== 'application/json' && contentType !== 'application/octet-stream') {
    return respond(res, 415, { error: 'Unsupported Media Type. Use application/json or application/octet-stream' });
  }
  const maxBytes = ctx.limits.maxPayloadSizeKb * 1000;
  const body = await readBody(req, single ? maxBytes + 1 : maxBytes * 4 + 1024);
  if (body === null) return respond(res, 413, { message: 'Payload Too Large' });

  if (single) {
    const topic = safeDecode(single[1] ?? '');
    const event = safeDecode(single[2] ?? '');
    if (!topic || !event) return respond(res, 422, { errors: { topic: ['is invalid'] } });
    if (body.length > maxBytes) return respond(res, 422, { errors: { payload: ['Payload size exceeds tenant limit'] } });
    let frame: FanoutFrame;
    if (contentType === 'application/octet-stream') {
      frame = userBroadcastFanout(TOPIC_PREFIX + topic, event, ENCODING_BINARY, body, null);
    } else {
      const payload = parseJson(body);
      if (payload === undefined || payload === null) return respond(res, 422, { errors: { payload: ['is invalid'] } });
      frame = jsonFanout(JSON.stringify(TOPIC_PREFIX + topic), 'broadcast', JSON.stringify({ type: 'broadcast', event, payload }));
    }
    if (overMessageRate(ctx)) return respond(res, 429, { message: 'You have exceeded your rate limit' });
    countSent(ctx);
    const isPrivate = url.searchParams.get('private') === 'true';
    if (await mayWrite(ctx, claims, topic, isPrivate, new Map())) deliver(ctx, topic, isPrivate, frame);
    return respond(res, 202);
  }

  const parsed = batchBody.safeParse(parseJson(body));
  if (!parsed.success) return respond(res, 422, { errors: { messages: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) } });
  const { messages } = parsed.data;
  if (messages.length > ctx.limits.maxBatchMessages) {
    return respond(res, 429, { message: 'Too many messages to broadcast, please reduce the batch size' });
  }
  const frames = messages.map((m) => {
    const json = JSON.stringify(m.id ? { type: 'broadcast', event: m.event, payload: m.payload, meta: { id: m.id } } : { type: 'broadcast', event: m.event, payload: m.payload });
    return { message: m, json };
  });
  if (frames.some((f) => Buffer.byteLength(f.json) > maxBytes)) return respond(res, 422, { errors: { messages: ['Payload size exceeds tenant limit'] } });
  // batch_broadcast.ex: refused while the project is over its limit, else every message counts.
  if (overMessageRate(ctx)) return respond(res, 429, { message: 'You have exceeded your rate limit' });
  countSent(ctx, messages.length);
  const allowed = new Map<string, Promise<boolean>>();
  for (const { message, json } of frames) {
    if (!(await mayWrite(ctx, claims, message.topic, message.private === true, allowed))) continue;
    deliver(ctx, message.topic, message.private === true, jsonFanout(JSON.stringify(TOPIC_PREFIX + message.topic), 'broadcast', json));
  }
  return respond(res, 202);
}

/**
 * May this caller send to a private topic? As on a private channel: the caller's INSERT
 * policies on `realtime.messages` for the topic decide (the service role bypasses them);
 * without a database, a write-capable role. A message the caller may not send is skipped, the
 * request still answers 202 (as upstream's broadcast controller does). Public topics: anyone
 * with a valid key. One evaluation per topic per request.
 */
async function mayWrite(ctx: RealtimeContext, claims: JwtClaims, name: string, isPrivate: boolean, cache: Map<string, Promise<boolean>>): Promise<boolean> {
  if (!isPrivate) return true;
  const database = ctx.database;
  if (!database) return PRIVATE_CHANNEL_ROLES.has(claims.role);
  if (claims.role === 'service_role') return true;
  let decision = cache.get(name);
  if (!decision) {
    decision = database.authorize({ topic: name, claims }, { presence: false }).then(
      (policies) => policies.broadcastWrite,
      () => false,
    );
    cache.set(name, decision);
  }
  return decision;
}

/** REST broadcasts never exclude anyone (the sender holds no socket). */
function deliver(ctx: RealtimeContext, name: string, isPrivate: boolean, frame: FanoutFrame): void {
  const room = ctx.hub.get(roomKeyOf(TOPIC_PREFIX + name, isPrivate));
  if (!room) return;
  const delivered = ctx.hub.fanOut(room, frame);
  countDelivered(ctx, delivered, () => ctx.hub.recipients(room));
}

/** `Authorization: Bearer <jwt>` first, else the `apikey` header (auth_tenant.ex). */
function authorize(ctx: RealtimeContext, req: IncomingMessage): JwtClaims | null {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const apikey = req.headers.apikey;
  const token = bearer ?? (Array.isArray(apikey) ? apikey[0] : apikey);
  if (!token) return null;
  const result = ctx.verify(token.trim());
  return result.ok ? result.claims : null;
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) return null;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function safeDecode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

function respond(res: ServerResponse, status: number, body?: unknown): true {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...CORS_HEADERS, ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}), 'content-length': Buffer.byteLength(text) });
  res.end(text);
  return true;
}
