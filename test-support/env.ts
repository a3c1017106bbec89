// Test support: the app's environment for in-process route tests and harnesses (not a test file itself).
// lib/env.ts parses again whenever a key changes, so setting process.env is all it takes.

export function setAppEnv(values: Record<string, string>): void {
  Object.assign(process.env, values);
}

export function appEnv(key: string): string | undefined {
  return process.env[key];
}
