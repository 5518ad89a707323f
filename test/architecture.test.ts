/**
 * The room structure from the import graph (issue 13): no import cycle between folders of src/ (a room may
 * depend on another only one way), and the composition lives in src/app/ — gateway/ is the UDP → WTP → WSP →
 * HTTP path and knows no service, cli/ parses arguments and calls app/. Type-only imports count: they are
 * dependencies of the design too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Folder → folder → the files that make the edge. */
export function folderGraph(src = SRC): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  const importRe = /^\s*(?:import|export)\b[^'";]*?\bfrom\s+'(\.[^']+)'|\bimport\(\s*'(\.[^']+)'\s*\)|^\s*import\s+'(\.[^']+)'/gm;
  for (const file of sources(src)) {
    const from = relative(src, file).split('/')[0]!;
    if (!graph.has(from)) graph.set(from, new Map());
    for (const m of readFileSync(file, 'utf8').matchAll(importRe)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      const target = relative(src, resolve(dirname(file), spec));
      if (target.startsWith('..')) continue;
      const to = target.split('/')[0]!;
      if (to === from || !target.includes('/')) continue;
      const edges = graph.get(from)!;
      edges.set(to, [...(edges.get(to) ?? []), relative(src, file)]);
    }
  }
  return graph;
}

/** Every strongly connected set of more than one folder (Tarjan), each with one cycle spelled out. */
export function folderCycles(graph: Map<string, Map<string, string[]>>): string[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) found.push(scc);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found.map((scc) => {
    // One cycle through the set: a path back to its first folder, with the file of each step.
    const members = new Set(scc);
    const start = scc.sort()[0]!;
    const path = [start];
    const seen = new Set([start]);
    let at = start;
    for (;;) {
      const nexts = [...(graph.get(at)?.keys() ?? [])].filter((w) => members.has(w));
      const back = nexts.find((w) => w === start);
      const step = back ?? nexts.find((w) => !seen.has(w)) ?? nexts[0]!;
      path.push(`${step} (${graph.get(at)!.get(step)![0]})`);
      if (step === start || seen.has(step)) break;
      seen.add(step);
      at = step;
    }
    return path.join(' → ');
  });
}

describe('folder-level import graph', () => {
  const graph = folderGraph();

  it('has no cycle between folders of src/', () => {
    expect(folderCycles(graph)).toEqual([]);
  });

  it('the cycle finder finds one (admin → config → gateway → admin, as before issue 13)', () => {
    const g = new Map([
      ['admin', new Map([['config', ['admin/operations.ts']]])],
      ['config', new Map([['gateway', ['config/sections/gateway.ts']]])],
      ['gateway', new Map([['admin', ['gateway/stack.ts']], ['wtp', ['gateway/co.ts']]])],
      ['wtp', new Map()],
    ]);
    expect(folderCycles(g)).toEqual(['admin → config (admin/operations.ts) → gateway (config/sections/gateway.ts) → admin (gateway/stack.ts)']);
  });

  it('gateway/ is the request path: it composes no service and reads no configuration', () => {
    const deps = [...(graph.get('gateway')?.keys() ?? [])];
    for (const room of ['app', 'cli', 'config', 'identity', 'push', 'mmsc', 'smsbox', 'prov', 'store', 'state']) expect(deps, room).not.toContain(room);
  });

  it('cli/ composes nothing itself: serve and mmsc reach the services through app/', () => {
    for (const file of ['serve.ts', 'mmsc.ts']) {
      const text = readFileSync(join(SRC, 'cli', file), 'utf8');
      expect(text).toMatch(/from '\.\.\/app\//);
      expect(text).not.toMatch(/from '\.\.\/(gateway|identity|push|mmsc|charging|admin)\//);
    }
  });

  it('app/ is imported only by cli/ (nothing below the composition root knows it)', () => {
    const users = [...graph].filter(([, edges]) => edges.has('app')).map(([from]) => from);
    expect(users.filter((u) => u !== 'cli')).toEqual([]);
  });
});
