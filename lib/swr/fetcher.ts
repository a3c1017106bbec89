/** An API failure as the client sees it: the envelope's code and message. */
export class FetchError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'FetchError';
  }
}

async function parse<T>(response: Response): Promise<T> {
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new FetchError(response.status, error?.code ?? 'http_error', error?.message ?? `Request failed (HTTP ${response.status}).`);
  }
  return body as T;
}

/** The one SWR fetcher: same-origin JSON with the envelope's errors surfaced. */
export async function fetcher<T>(url: string): Promise<T> {
  return parse<T>(await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' }));
}

/** `keepalive`: the request may outlive the page (a final report from `pagehide`; bodies ≤ 64 KB). */
export async function postJson<T>(url: string, body: unknown, options: { keepalive?: boolean } = {}): Promise<T> {
  return parse<T>(
    await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body), keepalive: options.keepalive ?? false }),
  );
}
