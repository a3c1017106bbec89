import { readFile } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface FrameShare {
  frame: string;
  percent: number;
}

/** Self time of a V8 `.cpuprofile` by function and by file, as % of all samples (top `limit`). */
export async function summarizeCpuProfile(file: string, root: string, limit = 12): Promise<{ functions: FrameShare[]; files: FrameShare[]; seconds: number }> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
    total += delta;
  });
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const where = frame.url ? shortUrl(frame.url, root) : '';
    const name = `${frame.functionName || '(anonymous)'}${where ? ` ${where}:${frame.lineNumber + 1}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    const fileKey = where || `(${frame.functionName || 'native'})`;
    files.set(fileKey, (files.get(fileKey) ?? 0) + us);
  }
  const top = (map: Map<string, number>) =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([frame, us]) => ({ frame, percent: Math.round((1000 * us) / total) / 10 }));
  return { functions: top(functions), files: top(files), seconds: total / 1e6 };
}

function shortUrl(url: string, root: string): string {
  const plain = url.replace(/^file:\/\//, '');
  const relative = path.relative(root, plain);
  return relative.startsWith('..') ? plain : relative.replace(/^node_modules\//, 'npm:');
}
