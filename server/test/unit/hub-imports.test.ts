import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The layers whose files must not import each other in a circle (type-only imports count too). */
const LAYERS = ['hub', 'http', 'wire'];
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** file -> the files of LAYERS it imports or re-exports from, by relative specifier. */
function importGraph(): Map<string, string[]> {
  const files = LAYERS.flatMap((layer) =>
    readdirSync(join(SRC, layer))
      .filter((name) => name.endsWith('.ts'))
      .map((name) => join(SRC, layer, name)),
  );
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const deps = new Set<string>();
    for (const match of text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+['"](\.[^'"]+)['"]/gms)) {
      const target = resolve(dirname(file), (match[1] as string).replace(/\.js$/, '.ts'));
      if (known.has(target)) deps.add(target);
    }
    graph.set(file, [...deps]);
  }
  return graph;
}

/** Every import cycle, each as the sorted files of one strongly connected component (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop(); w !== undefined; w = w === v ? undefined : stack.pop()) {
      onStack.delete(w);
      component.push(w);
    }
    if (component.length > 1 || graph.get(v)?.includes(v)) {
      found.push(component.map((f) => relative(SRC, f)).sort());
    }
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

describe('hub, http and wire imports', () => {
  const graph = importGraph();

  it('form no cycle', () => {
    expect(graph.size).toBeGreaterThan(20);
    expect(cycles(graph)).toEqual([]);
  });

  it('leave a session seeing only its SessionHost, never the hub parts that implement it', () => {
    const session = graph.get(join(SRC, 'hub', 'session.ts'));
    expect(session).toBeDefined();
    const concrete = ['hub.ts', 'router.ts', 'registry.ts', 'sessionTable.ts'].map((f) =>
      join(SRC, 'hub', f),
    );
    expect(session?.filter((dep) => concrete.includes(dep))).toEqual([]);
  });
});
