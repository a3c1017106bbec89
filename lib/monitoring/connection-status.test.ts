import { describe, expect, it } from 'vitest';
import { statusLabel, statusTone, type ConnectionState } from '@/lib/monitoring/connection-status';
import { deriveStatus, type StatusInputs } from '@/lib/monitoring/feed-snapshot';

const ALL: ConnectionState[] = ['idle', 'connecting', 'live', 'catching-up', 'reconnecting', 'fallback', 'offline', 'error'];
const base: StatusInputs = { started: true, online: true, primary: 'live', fallback: null, fallbackActive: false, everLive: true, fillsInFlight: 0 };

describe('connection status', () => {
  it('gives every state its own label and a tone', () => {
    expect(new Set(ALL.map(statusLabel)).size).toBe(ALL.length);
    expect(ALL.map(statusTone)).toEqual(['neutral', 'busy', 'good', 'busy', 'warning', 'warning', 'warning', 'critical']);
  });

  it('derives the state from the transports', () => {
    expect(deriveStatus({ ...base, started: false })).toBe('idle');
    expect(deriveStatus({ ...base, online: false })).toBe('offline');
    expect(deriveStatus(base)).toBe('live');
    expect(deriveStatus({ ...base, fillsInFlight: 1 })).toBe('catching-up');
    expect(deriveStatus({ ...base, primary: 'connecting', everLive: false })).toBe('connecting');
    expect(deriveStatus({ ...base, primary: 'backoff' })).toBe('reconnecting');
    expect(deriveStatus({ ...base, primary: 'backoff', fallbackActive: true, fallback: 'live' })).toBe('fallback');
    expect(deriveStatus({ ...base, primary: 'stopped' })).toBe('error');
  });
});
