import type { RealtimeChannel } from '@supabase/supabase-js';
import { EventLog, type WaitOptions } from './event-log.js';

export type SubscribeStatus = 'SUBSCRIBED' | 'TIMED_OUT' | 'CLOSED' | 'CHANNEL_ERROR';

export interface StatusEntry {
  status: SubscribeStatus;
  /** `err.message` of the subscribe callback, when one was given. */
  error?: string;
}

/** Subscribes and records every status callback (they repeat on rejoins). */
export function subscribeLogged(channel: RealtimeChannel): EventLog<StatusEntry> {
  const statuses = new EventLog<StatusEntry>(`status of ${channel.topic}`);
  channel.subscribe((status, error) => statuses.push(error ? { status, error: error.message } : { status }));
  return statuses;
}

export function waitForStatus(statuses: EventLog<StatusEntry>, status: SubscribeStatus, options: WaitOptions = {}): Promise<StatusEntry> {
  return statuses.waitFor((entry) => entry.status === status, { what: status, ...options });
}

/** Subscribes and waits for `SUBSCRIBED`. */
export async function subscribed(channel: RealtimeChannel, options: WaitOptions = {}): Promise<EventLog<StatusEntry>> {
  const statuses = subscribeLogged(channel);
  await waitForStatus(statuses, 'SUBSCRIBED', options);
  return statuses;
}
