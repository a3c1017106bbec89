import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signApiKey } from '../../servers/local-supabase/secrets.js';
import type { Realtime, RealtimeOptions } from '../../servers/local-supabase/realtime/realtime.js';
import { createRealtime } from '../../servers/local-supabase/realtime/realtime.js';

export interface MountedRealtime {
  realtime: Realtime;
  /** `http://127.0.0.1:<port>` */
  url: string;
  anonKey: string;
  close(): Promise<void>;
}

/** `createRealtime` mounted on a plain http.Server on a free port, the way the local Supabase API server composes it. */
export async function mountRealtime(options: RealtimeOptions): Promise<MountedRealtime> {
  const realtime = createRealtime(options);
  const server = http.createServer((req, res) => void realtime.handleHttp(req, res));
  server.on('upgrade', (req, socket, head) => realtime.handleUpgrade(req, socket, head) || socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    realtime,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    anonKey: await signApiKey(options.jwtSecret, 'anon'),
    async close() {
      await realtime.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
