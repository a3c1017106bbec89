import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** What the e2e stack (started by playwright.config.ts `webServer`) wrote for its operators. */
export interface E2eStack {
  /** The local Supabase API (auth, realtime, fault controls). */
  supabaseUrl: string;
  /** Acts as an admin on the app's admin APIs, and authorizes the local fault controls. */
  serviceRoleKey: string;
}

const DATA_DIR = fileURLToPath(new URL('../../.local/e2e/', import.meta.url));

/** Reads `.local/e2e/stack.json` (the running stack's env) and `secrets.json`. */
export async function readE2eStack(): Promise<E2eStack> {
  const [stackText, secretsText] = await Promise.all([readFile(`${DATA_DIR}stack.json`, 'utf8'), readFile(`${DATA_DIR}secrets.json`, 'utf8')]).catch((error: unknown) => {
    throw new Error(`e2e: the e2e stack has not written ${DATA_DIR}stack.json / secrets.json (is the webServer running?)`, { cause: error });
  });
  const stack = JSON.parse(stackText) as { env?: Record<string, string> };
  const secrets = JSON.parse(secretsText) as { serviceRoleKey?: string };
  const supabaseUrl = stack.env?.SUPABASE_URL;
  const serviceRoleKey = secrets.serviceRoleKey ?? stack.env?.SUPABASE_SERVICE_ROLE_KEY;
  if (!supabaseUrl || !serviceRoleKey) throw new Error(`e2e: ${DATA_DIR}stack.json lacks SUPABASE_URL or the service-role key`);
  return { supabaseUrl, serviceRoleKey };
}
