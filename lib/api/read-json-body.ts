import type { z } from 'zod';
import { ApiError } from '@/lib/api/api-error';

/**
 * Reads a JSON request body with a hard byte cap (the stream is cut, the header is not
 * trusted), then validates it. Errors name the offending field.
 */
export async function readJsonBody<T extends z.ZodType>(request: Request, schema: T, options: { maxBytes: number }): Promise<z.infer<T>> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) throw new ApiError('unsupported_media_type', 'Send the body as application/json.');
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > options.maxBytes) throw new ApiError('payload_too_large', `The body may be at most ${options.maxBytes} bytes.`);
  const text = await readCapped(request, options.maxBytes);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ApiError('invalid_json', 'The body is not valid JSON.', { cause });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ApiError('validation_failed', formatIssues(parsed.error.issues));
  return parsed.data;
}

export function formatIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
    .join('; ');
}

function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return 'body';
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}

async function readCapped(request: Request, maxBytes: number): Promise<string> {
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new ApiError('payload_too_large', `The body may be at most ${maxBytes} bytes.`);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
