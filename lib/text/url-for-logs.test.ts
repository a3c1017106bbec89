import { describe, expect, it } from 'vitest';
import { urlForLogs } from '@/lib/text/url-for-logs';

describe('urlForLogs', () => {
  it('keeps scheme, host and port, and drops credentials, path and query', () => {
    expect(urlForLogs('https://user:secret@app.example.com:8443/deep/path?token=abc#x')).toBe('https://app.example.com:8443');
    expect(urlForLogs('http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000');
  });

  it('shows a Postgres URL as host, port and database, whatever its password holds', () => {
    expect(urlForLogs('postgres://postgres:pw@db.example.com:5432/postgres?sslmode=require')).toBe('postgres://db.example.com:5432/postgres');
    // An unencoded password with '/' and '@': a URL parser would take part of it for the host.
    expect(urlForLogs('postgresql://u:12/34@x@h:6543/app')).toBe('postgresql://h:6543/app');
    for (const leaked of ['12', '34', 'secret', 'pw']) expect(urlForLogs(`postgres://u:${leaked}@h/db`)).not.toContain(leaked);
  });

  it('says so for something that is not a URL, without echoing it', () => {
    expect(urlForLogs('password-in-plain-text')).toBe('(not a URL)');
  });
});
