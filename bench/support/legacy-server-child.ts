/**
 * Child process that runs the legacy WebSocket feed alone, exactly as `npm run legacy`
 * does, so it is measured the same way as the Realtime server. Driven by `server-process.ts`.
 */
import { startLegacyServer, type LegacyServer } from '../../servers/legacy-ws/legacy-server.js';
import { serveRpc } from './child-rpc.js';

let server: LegacyServer | undefined;

serveRpc({
  async start(params: { jwtSecret: string; publishKey: string }) {
    server = await startLegacyServer({
      port: 0,
      jwtSecret: params.jwtSecret,
      publishKey: params.publishKey,
      onLog: (entry) => {
        if (entry.level !== 'info') process.stderr.write(`[legacy] ${entry.level} ${entry.message}\n`);
      },
    });
    return { url: server.feedUrl, publishUrl: server.publishUrl };
  },
  stats: () => server?.stats(),
  async shutdown() {
    await server?.close();
  },
});
