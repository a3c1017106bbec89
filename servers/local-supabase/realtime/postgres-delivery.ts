import type { JoinedChannel } from './channel.js';
import { pushSystem, untilDatabaseReady } from './channel.js';
import type { PostgresChangeData, PostgresChangesSubscriber } from './postgres-changes/contract.js';
import { admitPostgresChange } from './message-rate.js';
import type { RealtimeContext } from './realtime-context.js';
import { countDeliveries } from './realtime-context.js';
import { fanoutTextParts } from './serializer.js';

/**
 * A change's `data` as JSON bytes, serialized once and shared by every recipient: a frame is
 * sent as the channel's head (topic, ids), these bytes and the tail, never built per subscriber.
 */
const serializedData = new WeakMap<PostgresChangeData, Buffer>();
/** The change being fanned out right now (consecutive deliveries share it). */
let current: { data: PostgresChangeData | undefined; bytes: Buffer } = { data: undefined, bytes: Buffer.alloc(0) };

function dataBytes(data: PostgresChangeData): Buffer {
  if (current.data === data) return current.bytes;
  let bytes = serializedData.get(data);
  if (!bytes) {
    bytes = Buffer.from(JSON.stringify(data), 'utf8');
    serializedData.set(data, bytes);
  }
  current = { data, bytes };
  return bytes;
}

/** Message when the server runs without a postgres_changes extension (no DATABASE_URL). */
export const NO_DATABASE_MESSAGE = 'Realtime was unable to connect to the project database';

export type SubscriptionResult = { status: 'ok'; message: string } | { status: 'error'; message: string };

/**
 * Subscribes the channel's bindings; without an extension answers the error `system` message.
 * `onFirstStatus`, when given, receives the first outcome instead of it being pushed (join `wait`).
 */
export function subscribePostgresChanges(ctx: RealtimeContext, channel: JoinedChannel, onFirstStatus?: (result: SubscriptionResult) => void): void {
  if (channel.bindings.length === 0) return;
  const extension = ctx.postgresChanges;
  let firstStatus = onFirstStatus;
  const report = (result: SubscriptionResult) => {
    if (channel.closed) return;
    const hook = firstStatus;
    firstStatus = undefined;
    if (hook) hook(result);
    else pushSystem(channel, 'postgres_changes', result.status, result.message);
  };
  if (!extension) {
    report({ status: 'error', message: NO_DATABASE_MESSAGE });
    return;
  }
  const frame = new ChannelFrame(channel);
  const subscriber: PostgresChangesSubscriber = {
    key: channel.pgKey,
    bindings: channel.bindings,
    claims: channel.claims,
    deliver: ({ ids, data }) => {
      if (channel.closed || untilDatabaseReady(channel) > 0) return;
      if (dropsDelivery(ctx)) return;
      if (!admitPostgresChange(ctx)) return;
      frame.send(ids, dataBytes(data));
      countDeliveries(ctx, 1);
    },
    status: (result) => {
      const wait = untilDatabaseReady(channel);
      if (wait <= 0) return report(result);
      setTimeout(() => report(result), wait).unref();
    },
  };
  try {
    extension.subscribe(subscriber);
  } catch (error) {
    ctx.log(`postgres_changes subscribe threw for ${channel.topic}: ${String(error)}`);
    report({ status: 'error', message: NO_DATABASE_MESSAGE });
  }
}

/** The drop faults: the next N deliveries (any subscriber), then each with the drop rate. */
function dropsDelivery(ctx: RealtimeContext): boolean {
  const { faults } = ctx;
  if (faults.postgresDropNext > 0) {
    faults.postgresDropNext -= 1;
    return true;
  }
  return faults.postgresDropRate > 0 && Math.random() < faults.postgresDropRate;
}

/**
 * One channel's `postgres_changes` frames: `[null,null,topic,"postgres_changes",{"ids":[…],"data":`
 * (1.0.0: the object form) + data + tail, the head cached for the last ids seen.
 */
class ChannelFrame {
  private ids: readonly number[] | null = null;
  private head = Buffer.alloc(0);
  private readonly headText: string;
  private readonly tail: Buffer;

  constructor(private readonly channel: JoinedChannel) {
    const [head, tail] = fanoutTextParts(channel.session.vsn, channel.topicJson, 'postgres_changes');
    this.headText = head;
    this.tail = Buffer.from(`}${tail}`, 'utf8');
  }

  send(ids: readonly number[], data: Buffer): void {
    if (!sameIds(this.ids, ids)) {
      this.ids = [...ids];
      this.head = Buffer.from(`${this.headText}{"ids":[${ids.join(',')}],"data":`, 'utf8');
    }
    this.channel.session.sendText(this.head, data, this.tail);
  }
}

function sameIds(a: readonly number[] | null, b: readonly number[]): boolean {
  if (a === null || a.length !== b.length) return false;
  for (let index = 0; index < a.length; index += 1) if (a[index] !== b[index]) return false;
  return true;
}
