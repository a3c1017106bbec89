import type { ChannelPolicies } from './database-broadcast/authorization.js';
import type { PostgresChangesBinding } from './postgres-changes/contract.js';
import type { JwtClaims } from './jwt.js';
import type { RollingRate } from './rolling-rate.js';
import type { Vsn } from './serializer.js';
import { encodePush } from './serializer.js';

/** What a channel needs from its connection. */
export interface SessionPort {
  readonly id: string;
  readonly vsn: Vsn;
  readonly channels: Map<string, JoinedChannel>;
  send(data: string | Buffer, binary?: boolean): void;
  /** A text frame made of three shared parts (a fan-out's head, payload and tail). */
  sendText(head: Buffer, body: Buffer, tail: Buffer): void;
  /** Closes the connection after what is queued (Phoenix's `disconnect` broadcast to the transport). */
  disconnect(): void;
}

/** One successful `phx_join` on one connection, alive until leave/close/disconnect. */
export interface JoinedChannel {
  readonly session: SessionPort;
  readonly topic: string;
  /** `JSON.stringify(topic)`, precomputed for fan-out frames. */
  readonly topicJson: string;
  /** Topic without the `realtime:` prefix (what `system` messages call `channel`). */
  readonly name: string;
  readonly joinRef: string;
  readonly isPrivate: boolean;
  /** Room key: public and private channels of one name are different rooms. */
  readonly roomKey: string;
  readonly self: boolean;
  readonly ack: boolean;
  presenceEnabled: boolean;
  readonly presenceKey: string;
  /** phx_ref and payload JSON of this channel's tracked presence, if any. */
  presenceRef: string | null;
  presenceJson: string | null;
  readonly presenceCalls: RollingRate;
  token: string;
  claims: JwtClaims;
  readonly bindings: PostgresChangesBinding[];
  /** Subscriber key handed to the postgres_changes extension. */
  readonly pgKey: string;
  expiryTimer: NodeJS.Timeout | undefined;
  closed: boolean;
  /**
   * What the caller's `realtime.messages` policies allow on this private channel; null when
   * public or when the server has no database (then {@link PRIVATE_CHANNEL_ROLES} decides).
   */
  policies: ChannelPolicies | null;
  /** Ids of database messages replayed at join: their live copy is not delivered again. */
  replayedIds: Set<string> | null;
  /**
   * Fault control (mode 5, premature SUBSCRIBED): no database change or message is delivered,
   * and no readiness (`Subscribed to PostgreSQL`, `replication_ready`) sent, before this time;
   * 0 when the fault is off (the delivery path then reads no clock).
   */
  databaseReadyAt: number;
  /** Bumped per `access_token` so only the latest re-authorization applies. */
  authGeneration: number;
}

export const TOPIC_PREFIX = 'realtime:';

/** Without a database (no `realtime.messages` policies to ask), private channels admit these roles only. */
export const PRIVATE_CHANNEL_ROLES: ReadonlySet<string> = new Set(['authenticated', 'service_role']);

export function roomKeyOf(topic: string, isPrivate: boolean): string {
  return `${isPrivate ? 'private' : 'public'}|${topic}`;
}

/** Pushes a channel-process message (`system`, `presence_state`): current join_ref, ref null. */
export function pushToChannel(channel: JoinedChannel, event: string, payload: unknown): void {
  if (channel.closed) return;
  channel.session.send(encodePush(channel.session.vsn, channel.joinRef, null, channel.topic, event, payload));
}

/** `system` message as realtime_channel.ex shapes it. */
export function pushSystem(channel: JoinedChannel, extension: 'system' | 'postgres_changes', status: 'ok' | 'error', message: string): void {
  pushToChannel(channel, 'system', { extension, status, message, channel: channel.name });
}

/** Whether the channel may send broadcasts (private: the INSERT policy, or the role without a database). */
export function maySend(channel: JoinedChannel): boolean {
  if (!channel.isPrivate) return true;
  return channel.policies ? channel.policies.broadcastWrite : PRIVATE_CHANNEL_ROLES.has(channel.claims.role);
}

/**
 * Whether the channel receives presence (`presence_state`, `presence_diff`): public channels
 * always; private ones with policies only with a presence SELECT policy (upstream
 * `can_read_presence?`).
 */
export function mayReadPresence(channel: JoinedChannel): boolean {
  return !channel.isPrivate || channel.policies === null || channel.policies.presenceRead === true;
}

/** Milliseconds until the channel's database delivery may start (≤ 0: now); see `databaseReadyAt`. */
export function untilDatabaseReady(channel: Pick<JoinedChannel, 'databaseReadyAt'>): number {
  return channel.databaseReadyAt === 0 ? 0 : channel.databaseReadyAt - Date.now();
}
