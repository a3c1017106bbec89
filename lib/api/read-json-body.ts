import type { z } from 'zod';
import { ApiError } from '@/lib/api/api-error';
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '@/lib/api/storable-text';

/** Deepest nesting of arrays/objects any JSON body may have, unless a route asks for less. */
export const MAX_JSON_DEPTH = 64;


/**
 * Reads a JSON request body with a hard byte cap (the stream is cut, the header is not
 * trusted), checks what no route can store or walk safely — nesting deeper than `maxDepth`,
 * NUL characters, lone surrogates — then validates it with the route's schema. Every
 * refusal is a 4xx naming the field (docs/api-limits.md).
 */
export async function readJsonBody<T extends z.ZodType>(request: Request, schema: T, options: { maxBytes: number; maxDepth?: number }): Promise<z.infer<T>> {
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
  const problem = unstorablePart(json, options.maxDepth ?? MAX_JSON_DEPTH);
  if (problem) throw new ApiError('validation_failed', `${formatPath(problem.path, 8)}: ${problem.message}`);
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ApiError('validation_failed', formatIssues(parsed.error.issues));
  return parsed.data;
}

/**
 * Zod issues as `field: message; …` (at most five). `subject` names what the path is relative
 * to: for `'query parameter'` an unknown key is named as such (`x: unknown query parameter`);
 * bodies keep zod's wording at the parent's path.
 */
export function formatIssues(issues: z.core.$ZodIssue[], subject: 'body' | 'query parameter' = 'body'): string {
  return issues
    .slice(0, 5)
    .map((issue) =>
      issue.code === 'unrecognized_keys' && subject !== 'body'
        ? issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown ${subject}`).join('; ')
        : `${formatPath(issue.path)}: ${issue.message}`,
    )
    .join('; ');
}

function formatPath(path: readonly PropertyKey[], maxParts = Infinity): string {
  if (path.length === 0) return 'body';
  const shown = path.slice(0, maxParts).map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
  return path.length > maxParts ? `${shown}…` : shown;
}

interface Frame {
  value: object;
  depth: number;
  parent: Frame | null;
  key: PropertyKey | null;
}

/**
 * The first part of a parsed body that is nested too deep or holds unstorable text, with its
 * path. Iterative (an explicit stack), so a hostile depth cannot overflow the call stack.
 */
function unstorablePart(root: unknown, maxDepth: number): { path: PropertyKey[]; message: string } | null {
  if (typeof root === 'string') return !isStorableText(root) ? { path: [], message: UNSTORABLE_TEXT_MESSAGE } : null;
  if (root === null || typeof root !== 'object') return null;
  const stack: Frame[] = [{ value: root, depth: 1, parent: null, key: null }];
  const visit = (frame: Frame, key: PropertyKey, item: unknown) => {
    if (typeof item === 'string') return !isStorableText(item) ? { path: [...pathOf(frame), key], message: UNSTORABLE_TEXT_MESSAGE } : null;
    if (item !== null && typeof item === 'object') stack.push({ value: item, depth: frame.depth + 1, parent: frame, key });
    return null;
  };
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame.depth > maxDepth) return { path: pathOf(frame), message: `nested deeper than ${maxDepth} levels` };
    if (Array.isArray(frame.value)) {
      for (let i = 0; i < frame.value.length; i += 1) {
        const problem = visit(frame, i, frame.value[i]);
        if (problem) return problem;
      }
    } else {
      for (const [key, item] of Object.entries(frame.value)) {
        if (!isStorableText(key)) return { path: pathOf(frame), message: `${UNSTORABLE_TEXT_MESSAGE} (in a key)` };
        const problem = visit(frame, key, item);
        if (problem) return problem;
      }
    }
  }
  return null;
}

function pathOf(frame: Frame): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let current: Frame | null = frame; current?.key !== null && current !== null; current = current.parent) path.unshift(current.key);
  return path;
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
