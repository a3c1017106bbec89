import { describe, expect, it } from 'vitest';
import { parseEnvelope } from '@/lib/monitoring/parse-envelope';
import { realtimeRowToEnvelope } from '@/lib/monitoring/transports/realtime-row';
import { sampleEnvelope } from '@/test-support/monitoring/sample-rows';

const provenance = { transport: 'legacy' as const, receivedAt: 1 };

describe('parse envelope', () => {
  it('maps a cache metric envelope into the typed model', () => {
    const envelope = sampleEnvelope('cache_metrics', 7);
    const parsed = parseEnvelope(envelope, provenance);
    expect(parsed).toMatchObject({
      ok: true,
      event: { stream: 'cache_metrics', id: 7, eventId: envelope.event_id, cacheName: 'sessions', hitRatio: 0.9, p99LatencyMs: 2.5, provenance },
    });
    if (parsed.ok) expect(parsed.event.emittedAt).toBe(Date.parse(envelope.emitted_at));
  });

  it('maps a system event, defaulting a missing cache name to null', () => {
    const envelope = sampleEnvelope('system_events', 3);
    delete envelope.data.cache_name;
    expect(parseEnvelope(envelope, provenance)).toMatchObject({ ok: true, event: { stream: 'system_events', level: 'info', kind: 'test.event', cacheName: null, attributes: { n: 3 } } });
  });

  it('accepts a Realtime row with bigint columns as numeric strings and a Postgres timestamp, once reshaped to the wire envelope', () => {
    const { id: _id, event_id, emitted_at: _at, data, stream } = sampleEnvelope('cache_metrics', 1);
    const row = { id: '9007199254740991', event_id, emitted_at: '2026-03-01 10:00:00.123456+00', ...data, hits: '12345' };
    const parsed = parseEnvelope(realtimeRowToEnvelope(stream, row), provenance);
    expect(parsed).toMatchObject({ ok: true, event: { id: Number.MAX_SAFE_INTEGER, hits: 12_345, emittedAt: Date.parse('2026-03-01T10:00:00.123Z') } });
  });

  it('holds the wire envelope to its contract: a numeric-string id or a timestamp without a zone is no envelope', () => {
    expect(parseEnvelope({ ...sampleEnvelope('cache_metrics', 1), id: '7' }, provenance)).toMatchObject({ ok: false, reason: expect.stringContaining('id') });
    expect(parseEnvelope({ ...sampleEnvelope('cache_metrics', 1), emitted_at: '2026-03-01 10:00:00' }, provenance)).toMatchObject({ ok: false, reason: expect.stringContaining('emitted_at') });
  });

  it('drops a frame that is not an envelope with a reason instead of throwing', () => {
    expect(parseEnvelope('nope', provenance)).toMatchObject({ ok: false });
    expect(parseEnvelope({ ...sampleEnvelope('cache_metrics', 1), event_id: 'not-a-uuid' }, provenance)).toEqual({ ok: false, reason: expect.stringContaining('event_id') });
  });

  it('drops a row whose columns do not fit its stream', () => {
    const envelope = sampleEnvelope('system_events', 1);
    envelope.data.level = 'fatal';
    expect(parseEnvelope(envelope, provenance)).toEqual({ ok: false, reason: expect.stringContaining('data.level') });
  });

  it('drops an unparseable emit time', () => {
    expect(parseEnvelope({ ...sampleEnvelope('cache_metrics', 1), emitted_at: 'yesterday' }, provenance)).toEqual({ ok: false, reason: expect.stringContaining('emitted_at') });
  });
});
