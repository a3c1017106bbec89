/**
 * Starts one transport's server and writer in their own processes, the same way for both:
 * Realtime reads the rows the writer INSERTs into Postgres; the legacy feed gets the same
 * rows, committed the same way (to a table Realtime does not publish), as envelopes from the
 * app's legacy publisher (`writer.ts`). Shared by the fan-out
 * and memory benchmarks.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { signApiKey } from '../../servers/local-supabase/secrets.js';
import { forkChild, type ChildRpc } from './child-rpc.js';
import { spawnLegacyServer, spawnRealtimeServer, type ServerProcess } from './server-process.js';
import type { OpenWriter } from './writer.js';

export type TransportKind = 'realtime' | 'legacy';

export interface TransportUnderTest {
  kind: TransportKind;
  server: ServerProcess;
  writer: ChildRpc;
  jwtSecret: string;
  anonKey?: string;
  close(): Promise<void>;
}

export interface StartTransport {
  kind: TransportKind;
  /** The Realtime server's database; the legacy writer commits its rows there too. */
  databaseUrl?: string;
  /** `--cpu-prof` directory for the server process. */
  profileDir?: string;
}

export async function startTransport(options: StartTransport): Promise<TransportUnderTest> {
  const jwtSecret = randomBytes(32).toString('base64url');
  const publishKey = randomBytes(32).toString('base64url');
  const server =
    options.kind === 'realtime'
      ? await spawnRealtimeServer({ jwtSecret, databaseUrl: options.databaseUrl ?? '', cpuProfDir: options.profileDir })
      : await spawnLegacyServer({ jwtSecret, publishKey, cpuProfDir: options.profileDir });
  const writer = forkChild(fileURLToPath(new URL('./writer.ts', import.meta.url)));
  try {
    const open: OpenWriter = options.kind === 'realtime' ? { mode: 'insert', databaseUrl: options.databaseUrl } : { mode: 'publish', databaseUrl: options.databaseUrl, publishUrl: server.publishUrl, publishKey };
    await writer.call('open', open);
  } catch (error) {
    await writer.stop();
    await server.close();
    throw error;
  }
  return {
    kind: options.kind,
    server,
    writer,
    jwtSecret,
    anonKey: options.kind === 'realtime' ? await signApiKey(jwtSecret, 'anon') : undefined,
    async close() {
      await writer.stop();
      await server.close();
    },
  };
}
