/**
 * How a Next.js server of this app is started (`npm start`, `npm run dev -- --next start`, the
 * e2e stacks): one place for its flags.
 *
 * Keep-alive: Node closes an idle kept-alive connection after 5 s by default. A client that
 * reuses the connection at that moment (a load balancer's pool, an admin script, a Playwright
 * request context) has its request sent into a socket the server is closing and gets
 * ECONNRESET ("socket hang up") — the failure of e2e/production.spec.ts in the CI of stop 20.
 * The server must be the side that keeps connections longer than any client or proxy in front
 * of it (AWS ALB idles 60 s, nginx upstream keepalive 60 s), so 65 s.
 */
export const NEXT_KEEP_ALIVE_MS = 65_000;

/** The CLI arguments after `next`: the mode, where to listen, and the keep-alive above (start only; dev's server is not a deployment's). */
export function nextServerArgs(mode: 'dev' | 'start', hostname: string, port: number): string[] {
  const args = [mode, '--hostname', hostname, '--port', String(port)];
  return mode === 'start' ? [...args, '--keepAliveTimeout', String(NEXT_KEEP_ALIVE_MS)] : args;
}
