import path from 'node:path';
import type { StackSettings } from '../../servers/env.js';

/** Present while a stack runs: `npm run stack:env` and the tools read it. */
export function markerFile(settings: StackSettings): string {
  return path.join(settings.dataDir, 'stack.json');
}
