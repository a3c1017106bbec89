import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SignJWT } from 'jose';
import { z } from 'zod';

/** Everything the local stack generates once and keeps in `.local/secrets.json`. */
const secretsSchema = z.object({
  jwtSecret: z.string().min(32),
  anonKey: z.string().min(20),
  serviceRoleKey: z.string().min(20),
  dbPassword: z.string().min(16),
  ingestApiKey: z.string().min(32),
  legacyPublishKey: z.string().min(32),
  rolloutCookieSecret: z.string().min(32),
  flagsSecret: z.string().min(32),
});
export type LocalSecrets = z.infer<typeof secretsSchema>;

const TEN_YEARS_S = 10 * 365 * 24 * 3600;

/** Reads `<dir>/secrets.json`, creating it (mode 0600) with fresh random secrets on first run. */
export async function loadOrCreateSecrets(dir: string): Promise<LocalSecrets> {
  const file = path.join(dir, 'secrets.json');
  try {
    return secretsSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`secrets: ${file} is unreadable or incomplete; delete it to regenerate (all sessions will be invalidated)`, { cause: error });
    }
  }
  const jwtSecret = randomBytes(32).toString('base64url');
  const secrets: LocalSecrets = {
    jwtSecret,
    anonKey: await signApiKey(jwtSecret, 'anon'),
    serviceRoleKey: await signApiKey(jwtSecret, 'service_role'),
    dbPassword: randomBytes(18).toString('base64url'),
    ingestApiKey: `sy_ingest_${randomBytes(24).toString('base64url')}`,
    legacyPublishKey: randomBytes(32).toString('base64url'),
    rolloutCookieSecret: randomBytes(32).toString('base64url'),
    flagsSecret: randomBytes(32).toString('base64url'),
  };
  await mkdir(dir, { recursive: true });
  await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

/** A Supabase-style API key: a long-lived HS256 JWT carrying only `role`. */
export async function signApiKey(jwtSecret: string, role: 'anon' | 'service_role'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role, iss: 'supabase-local', ref: 'switchyard' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + TEN_YEARS_S)
    .sign(new TextEncoder().encode(jwtSecret));
}
