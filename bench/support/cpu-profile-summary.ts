import { readdir, readFile } from 'node:fs/promises';
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

/** Prints the top frames of the largest `.cpuprofile` in `dir` (a process's main thread). */
export async function printCpuProfile(dir: string, title: string, root: string): Promise<void> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'));
  if (files.length === 0) return void process.stdout.write(`${title}: no .cpuprofile was written\n`);
  const sizes = await Promise.all(files.map(async (name) => ({ name, size: (await readFile(path.join(dir, name))).length })));
  const file = path.join(dir, sizes.sort((a, b) => b.size - a.size)[0]!.name);
  const summary = await summarizeCpuProfile(file, root);
  process.stdout.write(`\n${title}: ${file} (${Math.round(summary.seconds * 10) / 10} s sampled), self time:\n`);
  for (const { frame, percent } of summary.functions) process.stdout.write(`  ${String(percent).padStart(5)} %  ${frame}\n`);
  process.stdout.write('by file:\n');
  for (const { frame, percent } of summary.files) process.stdout.write(`  ${String(percent).padStart(5)} %  ${frame}\n`);
}
