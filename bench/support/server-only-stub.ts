import { register } from 'node:module';

// App modules start with `import 'server-only'`, which throws outside a React server build;
// Vitest aliases it to a stub, benchmarks register this resolve hook instead.
const SERVER_ONLY_STUB = `export async function resolve(specifier, context, next) {
  return specifier === 'server-only' ? { url: 'data:text/javascript,export {}', shortCircuit: true } : next(specifier, context);
}`;

let registered = false;

/** Lets this process import `lib/**` modules that start with `import 'server-only'`. */
export function registerServerOnlyStub(): void {
  if (registered) return;
  register(`data:text/javascript,${encodeURIComponent(SERVER_ONLY_STUB)}`);
  registered = true;
}
