import { randomUUID } from 'node:crypto';
import { bindingId } from './binding-id.js';
import type { JoinedChannel, SessionPort } from './channel.js';
import { PRIVATE_CHANNEL_ROLES, TOPIC_PREFIX, pushSystem, pushToChannel, roomKeyOf } from './channel.js';
import { closeChannel, teardownChannel } from './channel-close.js';
import type { Envelope, JoinPayload } from './frame-schema.js';
import { jwtJoinReason } from './jwt.js';
import type { PostgresChangesBinding } from './postgres-changes/contract.js';
import { subscribePostgresChanges } from './postgres-delivery.js';
import type { RealtimeContext } from './realtime-context.js';
import { RollingRate } from './rolling-rate.js';
import { encodeReply } from './serializer.js';
import { scheduleTokenExpiry } from './token-lifecycle.js';

/** Handles `phx_join` (realtime_channel.ex `join/3`): checks, reply, presence_state, postgres subscribe. */
export function handleJoin(ctx: RealtimeContext, session: SessionPort & { apikey: string }, envelope: Envelope, payload: JoinPayload): void {
  const { topic, ref } = envelope;
  const joinRef = envelope.joinRef ?? ref ?? '';
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
  if (name.length === 0) return refuse('TopicNameRequired: You must provide a topic name');
  if (ctx.joinRate.hit()) return refuse('ClientJoinRateLimitReached: Too many joins per second');
  if (session.channels.size >= ctx.limits.maxChannelsPerClient) return refuse('ChannelRateLimitReached: Too many channels');

  const supplied = payload.access_token ?? payload.user_token;
  const token = !supplied || supplied.startsWith('sb_') ? session.apikey : supplied;
  const verified = ctx.verify(token);
  if (!verified.ok) return refuse(jwtJoinReason(verified.failure));

  const config = payload.config ?? {};
  const isPrivate = config.private === true;
  if (isPrivate && !PRIVATE_CHANNEL_ROLES.has(verified.claims.role)) {
    return refuse(`Unauthorized: You do not have permissions to read from this Channel topic: ${name}`);
  }
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
    token,
    claims: verified.claims,
    bindings,
    pgKey: `${session.id}|${topic}|${joinRef}`,
    expiryTimer: undefined,
    closed: false,
  };
  session.channels.set(topic, channel);
  const reply = encodeReply(session.vsn, envelope.joinRef, ref, topic, 'ok', { postgres_changes: echoed });
  const wait = config.postgres_changes_options?.wait === true && bindings.length > 0;
  if (!wait) {
    activate(ctx, channel, reply);
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
    pushSystem(channel, 'postgres_changes', 'ok', result.message);
  });
}

const DEFAULT_WAIT_MS = 15_000;
const MAX_WAIT_MS = 20_000;

/** Makes a validated channel live: room membership, join reply, presence_state, expiry timer. */
function activate(ctx: RealtimeContext, channel: JoinedChannel, reply: string): void {
  const room = ctx.hub.add(channel);
  ctx.totals.joins += 1;
  channel.session.send(reply);
  if (channel.presenceEnabled) pushToChannel(channel, 'presence_state', room.presence.state());
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
