import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePorts } from './port.js';

describe('freePorts', () => {
  it('hands out distinct ports that are free to bind, however many are asked at once', async () => {
    const ports = await freePorts(24);
    expect(new Set(ports).size).toBe(24);
    const servers = await Promise.all(
      ports.map((port) => new Promise<net.Server>((resolve, reject) => {
        const server = net.createServer();
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve(server));
      })),
    );
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  });
});
