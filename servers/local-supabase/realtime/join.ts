import { randomUUID } from 'node:crypto';
import { bindingId } from './binding-id.js';
import type { JoinedChannel, SessionPort } from './channel.js';
import { PRIVATE_CHANNEL_ROLES, TOPIC_PREFIX, mayReadPresence, pushSystem, pushToChannel, roomKeyOf, untilDatabaseReady } from './channel.js';
import { closeChannel, shutdownChannel, teardownChannel } from './channel-close.js';
import type { ChannelPolicies } from './database-broadcast/authorization.js';
import { PolicyError } from './database-broadcast/authorization.js';
import type { DatabaseMessage } from './database-broadcast/message.js';
import { REPLAY_DEFAULT_LIMIT } from './database-broadcast/replay.js';
import { pushReplay } from './database-delivery.js';
import type { Envelope, JoinPayload } from './frame-schema.js';
import type { JwtClaims } from './jwt.js';
import { jwtJoinReason } from './jwt.js';
import type { PostgresChangesBinding } from './postgres-changes/contract.js';
import { subscribePostgresChanges } from './postgres-delivery.js';
import type { RealtimeContext, SessionHandle } from './realtime-context.js';
import { RollingRate } from './rolling-rate.js';
import { encodeReply } from './serializer.js';
import { scheduleTokenExpiry } from './token-lifecycle.js';
import { countUser, overUserLimit } from './users-counter.js';

/** Handles `phx_join` (realtime_channel.ex `join/3`): checks, reply, presence_state, postgres subscribe. */
export function handleJoin(ctx: RealtimeContext, session: SessionPort & { apikey: string }, envelope: Envelope, payload: JoinPayload): void {
  const { topic, ref } = envelope;
  const refuse = (reason: string) => {
    const frame = encodeReply(session.vsn, envelope.joinRef, ref, topic, 'error', { reason });
    const delay = ctx.limits.channelErrorBackoffMs;
    if (delay > 0) setTimeout(() => session.send(frame), delay).unref();
    else session.send(frame);
  };
  if (!topic.startsWith(TOPIC_PREFIX)) {
    session.send(encodeReply(session.vsn, null, ref, topic, 'error', { reason: 'unmatched topic' }));
    return;
  }
  const name = topic.slice(TOPIC_PREFIX.length);
  // Duplicate join of a joined topic: Phoenix closes the old channel, then joins anew.
  const existing = session.channels.get(topic);
  if (existing) closeChannel(ctx, existing);
  cancelPendingJoin(session, topic);
  if (name.length === 0) return refuse('TopicNameRequired: You must provide a topic name');
  // realtime_channel.ex order: users, joins per second, channels per connection, then the token.
  if (overUserLimit(ctx, session)) return refuse('ConnectionRateLimitReached: Too many connected users');
  if (ctx.joinRate.hit()) {
    // Upstream also tells the transport to disconnect: the reply goes out, then the socket closes.
    refuse(TOO_MANY_JOINS);
    return session.disconnect();
  }
  // Joins still being authorized hold a channel slot too (review M6).
  if (session.channels.size + pendingCount(session) >= ctx.limits.maxChannelsPerClient) return refuse(TOO_MANY_CHANNELS);

  const supplied = payload.access_token ?? payload.user_token;
  const token = !supplied || supplied.startsWith('sb_') ? session.apikey : supplied;
  const verified = ctx.verify(token);
  if (!verified.ok) return refuse(jwtJoinReason(verified.failure));

  const config = payload.config ?? {};
  const isPrivate = config.private === true;
  const { database } = ctx;
  if (isPrivate && !database && !PRIVATE_CHANNEL_ROLES.has(verified.claims.role)) return refuse(unreadable(name));
  const replayConfig = config.broadcast?.replay;
  let replay: ReplayParams | null = null;
  if (replayConfig !== undefined) {
    if (!isPrivate) return refuse('UnableToReplayMessages: Replay is not allowed for public channels');
    replay = parseReplay(replayConfig);
    if (!replay) return refuse('UnableToReplayMessages: Replay params are not valid');
  }
  const join: Admission = { envelope, payload, token, claims: verified.claims, policies: null, replayed: [] };
  if (!isPrivate || !database) return admit(ctx, session, join, refuse);

  // Private channel with a database: the caller's realtime.messages policies decide (async),
  // on a bounded number of authorizations at once (upstream answers a busy pool like this).
  if ((authorizing.get(ctx) ?? 0) >= ctx.limits.maxConcurrentAuthorizations) return refuse(POOL_EXHAUSTED);
  authorizing.set(ctx, (authorizing.get(ctx) ?? 0) + 1);
  const ticket = beginPendingJoin(session, topic);
  const stillWanted = () => isPendingJoin(session, topic, ticket) && ctx.sessions.has(session as unknown as SessionHandle);
  void (async () => {
    try {
      const policies = await database.authorize({ topic: name, claims: verified.claims }, { presence: config.presence?.enabled === true });
      if (!policies.broadcastRead && policies.presenceRead !== true) return stillWanted() && refuse(unreadable(name));
      if (replay && !policies.broadcastRead) return stillWanted() && refuse(unreadable(name));
      const replayed = replay ? await database.replay(name, replay.since, replay.limit) : [];
      if (!stillWanted()) return;
      endPendingJoin(session, topic, ticket);
      admit(ctx, session, { ...join, policies, replayed }, refuse);
    } catch (error) {
      if (!stillWanted()) return;
      endPendingJoin(session, topic, ticket);
      if (error instanceof PolicyError) {
        ctx.log(`RlsPolicyError on ${name}: ${error.message}`);
        return refuse(unreadable(name));
      }
      ctx.log(`private join of ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      refuse(replay ? 'UnableToReplayMessages: Realtime was unable to replay messages' : 'UnableToConnectToProject: Realtime was unable to connect to the project database');
    } finally {
      authorizing.set(ctx, (authorizing.get(ctx) ?? 1) - 1);
    }
  })();
}

const TOO_MANY_CHANNELS = 'ChannelRateLimitReached: Too many channels';
/** realtime_channel.ex `{:error, :increase_connection_pool}` (authorization.ex: the pool's queue timed out). */
export const POOL_EXHAUSTED = 'IncreaseConnectionPool: Please increase your connection pool size';
/** Private-join authorizations in flight, per server. */
const authorizing = new WeakMap<RealtimeContext, number>();

export const TOO_MANY_JOINS = 'ClientJoinRateLimitReached: Too many joins per second';

export function unreadable(name: string): string {
  return `Unauthorized: You do not have permissions to read from this Channel topic: ${name}`;
}

interface ReplayParams {
  since: number;
  limit: number;
}

/** `broadcast.replay` as upstream's Replay changeset casts it: integers, defaults since 0 / limit 10. */
function parseReplay(value: unknown): ReplayParams | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const since = integer(record.since, 0);
  const limit = integer(record.limit, REPLAY_DEFAULT_LIMIT);
  return since === null || limit === null ? null : { since, limit };
}

function integer(value: unknown, fallback: number): number | null {
  if (value === undefined || value === null) return fallback;
  const parsed = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof parsed === 'number' && Number.isSafeInteger(parsed) ? parsed : null;
}

/** Everything a validated join carries into {@link admit}. */
interface Admission {
  envelope: Envelope;
  payload: JoinPayload;
  token: string;
  claims: JwtClaims;
  policies: ChannelPolicies | null;
  replayed: DatabaseMessage[];
}

const pendingJoins = new WeakMap<object, Map<string, number>>();
let nextTicket = 0;

function beginPendingJoin(session: object, topic: string): number {
  let map = pendingJoins.get(session);
  if (!map) pendingJoins.set(session, (map = new Map()));
  nextTicket += 1;
  map.set(topic, nextTicket);
  return nextTicket;
}

function isPendingJoin(session: object, topic: string, ticket: number): boolean {
  return pendingJoins.get(session)?.get(topic) === ticket;
}

function pendingCount(session: object): number {
  return pendingJoins.get(session)?.size ?? 0;
}

function endPendingJoin(session: object, topic: string, ticket: number): void {
  if (isPendingJoin(session, topic, ticket)) pendingJoins.get(session)?.delete(topic);
}

/** A `phx_leave` (or a newer join) while a private join is still being authorized: that join is dropped. */
export function cancelPendingJoin(session: object, topic: string): void {
  pendingJoins.get(session)?.delete(topic);
}

/** Builds the channel, replies, replays, subscribes postgres_changes (optionally waiting for it). */
function admit(ctx: RealtimeContext, session: SessionPort & { apikey: string }, join: Admission, refuse: (reason: string) => void): void {
  const { envelope, payload } = join;
  const { topic, ref } = envelope;
  const joinRef = envelope.joinRef ?? ref ?? '';
  const existing = session.channels.get(topic);
  if (existing) closeChannel(ctx, existing);
  // Re-checked: other joins may have been admitted while this one was being authorized.
  if (session.channels.size >= ctx.limits.maxChannelsPerClient) return refuse(TOO_MANY_CHANNELS);
  const config = payload.config ?? {};
  const isPrivate = config.private === true;
  const name = topic.slice(TOPIC_PREFIX.length);
  const echoed = (config.postgres_changes ?? []).map(withId);
  const bindings = echoed.map(toBinding);
  const presenceKey = config.presence?.key ? String(config.presence.key) : randomUUID();
  const { limits } = ctx;
  const channel: JoinedChannel = {
    session,
    topic,
    topicJson: JSON.stringify(topic),
    name,
    joinRef,
    isPrivate,
    roomKey: roomKeyOf(topic, isPrivate),
    self: config.broadcast?.self === true,
    ack: config.broadcast?.ack === true,
    presenceEnabled: config.presence?.enabled === true,
    presenceKey,
    presenceRef: null,
    presenceJson: null,
    presenceCalls: new RollingRate((limits.clientPresenceMaxCalls * 1000) / limits.clientPresenceWindowMs, limits.clientPresenceWindowMs),
    token: join.token,
    claims: join.claims,
    bindings,
    pgKey: `${session.id}|${topic}|${joinRef}`,
    expiryTimer: undefined,
    closed: false,
    policies: join.policies,
    replayedIds: join.replayed.length > 0 ? new Set(join.replayed.map((message) => message.id)) : null,
    databaseReadyAt: ctx.faults.databaseReadyDelayMs > 0 ? Date.now() + ctx.faults.databaseReadyDelayMs : 0,
    authGeneration: 0,
  };
  session.channels.set(topic, channel);
  const reply = encodeReply(session.vsn, envelope.joinRef, ref, topic, 'ok', { postgres_changes: echoed });
  const afterReply = () => {
    if (join.replayed.length > 0) pushReplay(ctx, channel, join.replayed);
    if (config.broadcast?.replication_ready === true) notifyReplicationReady(ctx, channel);
  };
  const wait = config.postgres_changes_options?.wait === true && bindings.length > 0;
  if (!wait) {
    activate(ctx, channel, reply);
    afterReply();
    subscribePostgresChanges(ctx, channel);
    return;
  }
  // `postgres_changes_options.wait`: reply only once the subscription is live (timeout ≤ 20 s).
  const timeoutMs = Math.min(MAX_WAIT_MS, Math.max(0, config.postgres_changes_options?.timeout ?? DEFAULT_WAIT_MS));
  const fail = (reason: string) => {
    if (channel.closed) return;
    teardownChannel(ctx, channel);
    refuse(reason);
  };
  const timer = setTimeout(() => fail(`PostgresChangesSubscribeTimeout: Timed out after ${timeoutMs}ms waiting for the postgres_changes subscription`), timeoutMs);
  timer.unref();
  subscribePostgresChanges(ctx, channel, (result) => {
    clearTimeout(timer);
    if (channel.closed) return;
    if (result.status === 'error') return fail(`RealtimeDisabledForConfiguration: ${result.message}`);
    activate(ctx, channel, reply);
    afterReply();
    pushSystem(channel, 'postgres_changes', 'ok', result.message);
  });
}

const REPLICATION_READY_CHECK_MS = 500;
const REPLICATION_READY_TIMEOUT_MS = 30_000;

/** `broadcast.replication_ready`: a `system` ok once database messages flow, else a shutdown at the deadline. */
function notifyReplicationReady(ctx: RealtimeContext, channel: JoinedChannel): void {
  const deadline = Date.now() + REPLICATION_READY_TIMEOUT_MS;
  const check = () => {
    if (channel.closed) return;
    const untilReady = untilDatabaseReady(channel);
    if (ctx.database?.connected && untilReady <= 0) return pushSystem(channel, 'system', 'ok', 'Replication connection established');
    if (Date.now() >= deadline) return shutdownChannel(ctx, channel, 'Replication connection was not established in time');
    setTimeout(check, untilReady > 0 ? Math.min(REPLICATION_READY_CHECK_MS, untilReady) : REPLICATION_READY_CHECK_MS).unref();
  };
  check();
}

const DEFAULT_WAIT_MS = 15_000;
const MAX_WAIT_MS = 20_000;

/** Makes a validated channel live: room membership, join reply, presence_state, expiry timer. */
function activate(ctx: RealtimeContext, channel: JoinedChannel, reply: string): void {
  const room = ctx.hub.add(channel);
  ctx.totals.joins += 1;
  countUser(ctx, channel.session);
  channel.session.send(reply);
  if (channel.presenceEnabled && mayReadPresence(channel)) pushToChannel(channel, 'presence_state', room.presence.state());
  scheduleTokenExpiry(ctx, channel);
}

/** The client's entry verbatim (every key it sent, nothing added) plus a deterministic id. */
function withId(entry: Record<string, unknown>): Record<string, unknown> & { id: number } {
  const { id: _clientId, ...rest } = entry;
  return { ...rest, id: bindingId(rest) };
}

/** The contract's view: `event`/`schema` always strings ('' when the client left them out). */
function toBinding(entry: Record<string, unknown> & { id: number }): PostgresChangesBinding {
  return {
    ...entry,
    event: typeof entry.event === 'string' ? entry.event : '',
    schema: typeof entry.schema === 'string' ? entry.schema : '',
  } as PostgresChangesBinding;
}
