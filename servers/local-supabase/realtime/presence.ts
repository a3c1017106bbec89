import type { JoinedChannel } from './channel.js';

/** `{ key: { metas: [...] } }` — the shape of `presence_state` and of diff joins/leaves. */
export type PresenceMap = Record<string, { metas: Array<Record<string, unknown>> }>;

export interface PresenceDiff {
  joins: PresenceMap;
  leaves: PresenceMap;
}

interface Entry {
  key: string;
  payload: Record<string, unknown>;
}

/** Presence members of one room, keyed by unique `phx_ref`. */
export class PresenceRoom {
  private readonly entries = new Map<string, Entry>();

  /** Current state for `presence_state`. */
  state(): PresenceMap {
    const state: PresenceMap = {};
    for (const [phxRef, entry] of this.entries) {
      (state[entry.key] ??= { metas: [] }).metas.push({ ...entry.payload, phx_ref: phxRef });
    }
    return state;
  }

  /**
   * Tracks (or re-tracks) the channel's payload under its presence key. Returns null when the
   * payload is unchanged (a no-op, like the real server).
   */
  track(channel: JoinedChannel, payload: Record<string, unknown>, phxRef: string): PresenceDiff | null {
    const json = JSON.stringify(payload);
    if (channel.presenceRef !== null && channel.presenceJson === json) return null;
    const diff: PresenceDiff = { joins: {}, leaves: {} };
    const previousRef = channel.presenceRef;
    const previous = previousRef === null ? undefined : this.entries.get(previousRef);
    const meta: Record<string, unknown> = { ...payload, phx_ref: phxRef };
    if (previousRef !== null && previous) {
      meta.phx_ref_prev = previousRef;
      diff.leaves[previous.key] = { metas: [{ ...previous.payload, phx_ref: previousRef }] };
      this.entries.delete(previousRef);
    }
    diff.joins[channel.presenceKey] = { metas: [meta] };
    this.entries.set(phxRef, { key: channel.presenceKey, payload });
    channel.presenceRef = phxRef;
    channel.presenceJson = json;
    return diff;
  }

  /** Removes the channel's presence; null when it had none. */
  untrack(channel: JoinedChannel): PresenceDiff | null {
    const phxRef = channel.presenceRef;
    channel.presenceRef = null;
    channel.presenceJson = null;
    if (phxRef === null) return null;
    const entry = this.entries.get(phxRef);
    if (!entry) return null;
    this.entries.delete(phxRef);
    return { joins: {}, leaves: { [entry.key]: { metas: [{ ...entry.payload, phx_ref: phxRef }] } } };
  }

  size(): number {
    return this.entries.size;
  }
}
