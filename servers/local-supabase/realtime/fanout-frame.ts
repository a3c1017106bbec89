import type { Vsn } from './serializer.js';
import { ENCODING_JSON, encodeFanoutText, encodeUserBroadcast } from './serializer.js';

/** A wire frame plus whether it goes out as a binary WebSocket frame. */
export interface WireFrame {
  data: Buffer;
  binary: boolean;
}

/**
 * One fan-out message, serialized at most once per serializer version and then shared by
 * every recipient. `null` means "not deliverable to that version" (raw bytes to 1.0.0).
 */
export class FanoutFrame {
  private readonly cache = new Map<Vsn, WireFrame | null>();

  constructor(private readonly build: (vsn: Vsn) => WireFrame | null) {}

  forVsn(vsn: Vsn): WireFrame | null {
    let frame = this.cache.get(vsn);
    if (frame === undefined) {
      frame = this.build(vsn);
      this.cache.set(vsn, frame);
    }
    return frame;
  }
}

/** A JSON push (`broadcast`, `presence_diff`, …) with `join_ref`/`ref` null. */
export function jsonFanout(topicJson: string, event: string, payloadJson: string): FanoutFrame {
  return new FanoutFrame((vsn) => ({ data: Buffer.from(encodeFanoutText(vsn, topicJson, event, payloadJson), 'utf8'), binary: false }));
}

/**
 * A user broadcast that arrived as binary kind 3 (or as raw REST bytes): kind 4 to 2.0.0
 * receivers, JSON `broadcast` to 1.0.0 receivers (JSON-encoded payloads only).
 */
export function userBroadcastFanout(topic: string, event: string, encoding: number, payload: Buffer, payloadText: string | null): FanoutFrame {
  return new FanoutFrame((vsn) => {
    if (vsn === '2.0.0') return { data: encodeUserBroadcast(topic, event, encoding, payload), binary: true };
    if (encoding !== ENCODING_JSON || payloadText === null) return null;
    const body = `{"type":"broadcast","event":${JSON.stringify(event)},"payload":${payloadText}}`;
    return { data: Buffer.from(encodeFanoutText(vsn, JSON.stringify(topic), 'broadcast', body), 'utf8'), binary: false };
  });
}
