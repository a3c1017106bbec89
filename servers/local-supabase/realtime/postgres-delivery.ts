import type { JoinedChannel } from './channel.js';
import { pushSystem } from './channel.js';
import type { PostgresChangeData, PostgresChangesSubscriber } from './postgres-changes/contract.js';
import type { RealtimeContext } from './realtime-context.js';
import { countDeliveries } from './realtime-context.js';
import { encodeFanoutText } from './serializer.js';

/** Per change: its `data` JSON (stringified once) and the finished frames per (vsn, topic, ids). */
interface SerializedChange {
  dataJson: string;
  frames: Map<string, Buffer>;
}
const serializedChanges = new WeakMap<PostgresChangeData, SerializedChange>();

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
  const subscriber: PostgresChangesSubscriber = {
    key: channel.pgKey,
    bindings: channel.bindings,
    claims: channel.claims,
    deliver: (frame) => deliverChange(ctx, channel, frame.ids, frame.data),
    status: report,
  };
  try {
    extension.subscribe(subscriber);
  } catch (error) {
    ctx.log(`postgres_changes subscribe threw for ${channel.topic}: ${String(error)}`);
    report({ status: 'error', message: NO_DATABASE_MESSAGE });
  }
}

function deliverChange(ctx: RealtimeContext, channel: JoinedChannel, ids: number[], data: PostgresChangeData): void {
  if (channel.closed) return;
  const dropRate = ctx.faults.postgresDropRate;
  if (dropRate > 0 && Math.random() < dropRate) return;
  const { vsn } = channel.session;
  let serialized = serializedChanges.get(data);
  if (!serialized) {
    serialized = { dataJson: JSON.stringify(data), frames: new Map() };
    serializedChanges.set(data, serialized);
  }
  const idsJson = ids.join(',');
  const key = `${vsn}|${channel.topicJson}|${idsJson}`;
  let wire = serialized.frames.get(key);
  if (!wire) {
    const payload = `{"ids":[${idsJson}],"data":${serialized.dataJson}}`;
    wire = Buffer.from(encodeFanoutText(vsn, channel.topicJson, 'postgres_changes', payload), 'utf8');
    serialized.frames.set(key, wire);
  }
  channel.session.send(wire, false);
  countDeliveries(ctx, 1);
}
