import { afterAll, afterEach, beforeAll } from 'vitest';
import { startFaultRig, type FaultRig } from '@/test-support/realtime/fault-rig';

/** One rig per test file: started before the first test, faults cleared and feeds stopped after each, closed at the end. */
export function setupFaultRig(): () => FaultRig {
  let rig: FaultRig | undefined;
  beforeAll(async () => {
    rig = await startFaultRig();
  }, 60_000);
  afterEach(async () => {
    rig?.server.realtime.faults.clear();
    await rig?.reset();
    // Frozen (half-open) sockets outlive their clients until the idle sweep: none carries over.
    rig?.server.realtime.faults.dropConnections();
  });
  afterAll(async () => {
    await rig?.close();
  });
  return () => {
    if (!rig) throw new Error('fault-rig: not started (use it inside a test)');
    return rig;
  };
}
