import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DASHBOARD = 'app/(dashboard)/_components/dashboard.tsx';

interface Graph {
  /** Repo files reached by static value imports (what the bundler puts in the page's chunks). */
  files: Set<string>;
  /** Packages those files import statically. */
  packages: Set<string>;
  /** `import('…')` targets seen on the way (loaded later, by code). */
  dynamic: Set<string>;
}

function resolve(specifier: string, from: string): string | null {
  const base = specifier.startsWith('@/') ? path.join(ROOT, specifier.slice(2)) : specifier.startsWith('.') ? path.resolve(path.dirname(from), specifier) : null;
  if (base === null) return null;
  const stem = base.replace(/\.js$/, '');
  for (const candidate of [base, `${stem}.ts`, `${stem}.tsx`, path.join(stem, 'index.ts')]) if (existsSync(candidate) && candidate.match(/\.tsx?$/)) return candidate;
  throw new Error(`first-load graph: cannot resolve ${specifier} from ${path.relative(ROOT, from)}`);
}

const packageName = (specifier: string) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? specifier));

/** A value import: not `import type`, not every named binding `type` (both are erased when compiled). */
function carriesValues(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isImportDeclaration(node)) {
    const clause = node.importClause;
    if (!clause) return true; // side-effect import
    if (clause.isTypeOnly) return false;
    if (clause.name) return true;
    const bindings = clause.namedBindings;
    if (!bindings || ts.isNamespaceImport(bindings)) return true;
    return bindings.elements.length === 0 || bindings.elements.some((element) => !element.isTypeOnly);
  }
  if (node.isTypeOnly) return false;
  const clause = node.exportClause;
  return !clause || !ts.isNamedExports(clause) || clause.elements.some((element) => !element.isTypeOnly);
}

/** The static import graph from a client entry, the way a bundler walks it (dynamic imports start new chunks). */
function staticGraph(entry: string): Graph {
  const graph: Graph = { files: new Set(), packages: new Set(), dynamic: new Set() };
  const pending = [path.join(ROOT, entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    const relative = path.relative(ROOT, file);
    if (graph.files.has(relative)) continue;
    graph.files.add(relative);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        if (carriesValues(node)) {
          const specifier = node.moduleSpecifier.text;
          const target = resolve(specifier, file);
          if (target) pending.push(target);
          else graph.packages.add(packageName(specifier));
        }
      } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
        const target = resolve(node.arguments[0].text, file);
        graph.dynamic.add(target ? path.relative(ROOT, target) : packageName(node.arguments[0].text));
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return graph;
}

describe("the dashboard's first load", () => {
  const graph = staticGraph(DASHBOARD);

  it('holds the UI, not the feed: the controller, the transports, the parsers and valibot come by dynamic import', () => {
    // Issue 16: first-load JS ≤ 160 KB gzip; these (≈ 11 KB gzip) draw nothing of the first
    // paint. One static import of any of them from a UI module puts them all back.
    for (const file of ['lib/monitoring/hooks/feed-runtime.ts', 'lib/monitoring/monitoring-feed.ts', 'lib/monitoring/transports/legacy-transport.ts', 'lib/monitoring/history-client.ts', 'lib/monitoring/parse-envelope.ts', 'contracts/envelope.ts']) {
      expect(graph.files.has(file), `${file} is reached statically from ${DASHBOARD}`).toBe(false);
    }
    expect([...graph.packages]).not.toContain('valibot');
    expect([...graph.packages]).not.toContain('@supabase/supabase-js');
  });

  it('still reaches the feed, by the one dynamic import of its runtime', () => {
    expect(graph.files.has('lib/monitoring/hooks/use-monitoring-feed.ts')).toBe(true);
    expect(graph.dynamic).toContain('lib/monitoring/hooks/feed-runtime.ts');
    const runtime = staticGraph('lib/monitoring/hooks/feed-runtime.ts');
    for (const file of ['lib/monitoring/monitoring-feed.ts', 'lib/monitoring/transports/legacy-transport.ts', 'lib/monitoring/history-client.ts']) expect(runtime.files.has(file), file).toBe(true);
    expect([...runtime.packages]).toContain('valibot');
    // supabase-js stays a further step away: only the Realtime transport (or a token read) loads it.
    expect([...runtime.packages]).not.toContain('@supabase/supabase-js');
  });
});
