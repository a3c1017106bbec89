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

/** Subscribes the channel's bindings; without an extension answers the error `system` message. */
export function subscribePostgresChanges(ctx: RealtimeContext, channel: JoinedChannel): void {
  if (channel.bindings.length === 0) return;
  const extension = ctx.postgresChanges;
  if (!extension) {
    pushSystem(channel, 'postgres_changes', 'error', NO_DATABASE_MESSAGE);
    return;
  }
  const subscriber: PostgresChangesSubscriber = {
    key: channel.pgKey,
    bindings: channel.bindings,
    claims: channel.claims,
    deliver: (frame) => deliverChange(ctx, channel, frame.ids, frame.data),
    status: (result) => {
      if (!channel.closed) pushSystem(channel, 'postgres_changes', result.status, result.message);
    },
  };
  try {
    extension.subscribe(subscriber);
  } catch (error) {
    ctx.log(`postgres_changes subscribe threw for ${channel.topic}: ${String(error)}`);
    pushSystem(channel, 'postgres_changes', 'error', NO_DATABASE_MESSAGE);
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
