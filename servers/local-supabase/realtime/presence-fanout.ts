import type { Room } from './broadcast-hub.js';
import { jsonFanout } from './fanout-frame.js';
import type { PresenceDiff } from './presence.js';
import type { RealtimeContext } from './realtime-context.js';
import { countDeliveries } from './realtime-context.js';

/** Sends a `presence_diff` to every presence-enabled member of the room, tracker included. */
export function fanOutPresenceDiff(ctx: RealtimeContext, room: Room, diff: PresenceDiff): void {
  const frame = jsonFanout(room.topicJson, 'presence_diff', JSON.stringify(diff));
  countDeliveries(ctx, ctx.hub.fanOut(room, frame, { presenceOnly: true }));
}
