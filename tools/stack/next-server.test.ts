import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NEXT_KEEP_ALIVE_MS, nextServerArgs } from './next-server';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('how Next servers are started', () => {
  it('`npm start` keeps idle connections as long as the dev runner’s `next start` does', () => {
    // package.json cannot import the constant: this test is what holds the two together.
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toMatch(new RegExp(`next start .*--keepAliveTimeout ${NEXT_KEEP_ALIVE_MS}(\\s|$)`));
    expect(nextServerArgs('start', '127.0.0.1', 3000)).toEqual(['start', '--hostname', '127.0.0.1', '--port', '3000', '--keepAliveTimeout', String(NEXT_KEEP_ALIVE_MS)]);
  });

  it('outlasts the idle timeouts of the proxies a deployment puts in front (60 s)', () => {
    expect(NEXT_KEEP_ALIVE_MS).toBeGreaterThan(60_000);
    expect(nextServerArgs('dev', '127.0.0.1', 3000)).not.toContain('--keepAliveTimeout');
  });
});
