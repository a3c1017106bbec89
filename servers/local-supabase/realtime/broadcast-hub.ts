import type { JoinedChannel } from './channel.js';
import { mayReadPresence } from './channel.js';
import type { FanoutFrame } from './fanout-frame.js';
import { PresenceRoom } from './presence.js';

/** Every joined channel of one topic and privacy. */
export interface Room {
  readonly key: string;
  readonly topic: string;
  readonly topicJson: string;
  readonly members: Set<JoinedChannel>;
  readonly presence: PresenceRoom;
}

export interface FanoutOptions {
  except?: JoinedChannel;
  presenceOnly?: boolean;
}

function receives(member: JoinedChannel, options: FanoutOptions): boolean {
  if (member === options.except || member.closed) return false;
  return !options.presenceOnly || (member.presenceEnabled && mayReadPresence(member));
}

/** Subscriptions indexed by room; fan-out sends one shared frame per serializer version. */
export class BroadcastHub {
  private readonly rooms = new Map<string, Room>();
  private channelCount = 0;

  add(channel: JoinedChannel): Room {
    let room = this.rooms.get(channel.roomKey);
    if (!room) {
      room = { key: channel.roomKey, topic: channel.topic, topicJson: channel.topicJson, members: new Set(), presence: new PresenceRoom() };
      this.rooms.set(room.key, room);
    }
    if (!room.members.has(channel)) {
      room.members.add(channel);
      this.channelCount += 1;
    }
    return room;
  }

  remove(channel: JoinedChannel): void {
    const room = this.rooms.get(channel.roomKey);
    if (!room || !room.members.delete(channel)) return;
    this.channelCount -= 1;
    if (room.members.size === 0) this.rooms.delete(room.key);
  }

  get(roomKey: string): Room | undefined {
    return this.rooms.get(roomKey);
  }

  /**
   * Sends `frame` to every member (optionally only presence-enabled ones), skipping `except`.
   * Returns the number of deliveries.
   */
  fanOut(room: Room, frame: FanoutFrame, options: FanoutOptions = {}): number {
    let delivered = 0;
    for (const member of room.members) {
      if (!receives(member, options)) continue;
      const wire = frame.forVsn(member.session.vsn);
      if (!wire) continue;
      member.session.send(wire.data, wire.binary);
      delivered += 1;
    }
    return delivered;
  }

  /** The members a {@link fanOut} with these options sends to (a copy: callers may close them). */
  recipients(room: Room, options: FanoutOptions = {}): JoinedChannel[] {
    return [...room.members].filter((member) => receives(member, options));
  }

  stats(): { rooms: number; channels: number } {
    return { rooms: this.rooms.size, channels: this.channelCount };
  }
}
