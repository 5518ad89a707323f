/**
 * A V8 CPU profile (`node --cpu-prof`, a .cpuprofile JSON file) summed up as top-N tables: self time by function,
 * inclusive time by function, self time by file or package — the tables of docs/performance.md. Idle samples are
 * left out, so the percentages are of the time the process was busy.
 *
 *   wapgate bench --profile-summary CPU.….cpuprofile [--top 30]
 */
import { readFileSync } from 'node:fs';
import { table } from './report.ts';

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

function label(n: ProfileNode): string {
  const cf = n.callFrame;
  const where = cf.url
    .replace(/^.*\/node_modules\/([^/]+)\/.*$/, '$1')
    .replace(/^.*\/(dist|src)\//, '')
    .replace(/^file:\/\//, '');
  return `${cf.functionName || '(anonymous)'} ${where}${where ? `:${cf.lineNumber + 1}` : ''}`;
}

function fileOf(n: ProfileNode): string {
  const u = n.callFrame.url;
  if (!u) return n.callFrame.functionName; // (garbage collector), (program), native
  const pkg = /\/node_modules\/([^/]+)\//.exec(u);
  return pkg ? pkg[1]! : u.replace(/^.*\/(dist|src)\//, '').replace(/^file:\/\//, '');
}

export function summarizeProfile(text: string, top = 30): string {
  const p = JSON.parse(text) as CpuProfile;
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const parent = new Map<number, number>();
  for (const x of p.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const files = new Map<string, number>();
  let busy = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]!);
    if (!n || n.callFrame.functionName === '(idle)') continue;
    const d = p.timeDeltas[i] ?? 0;
    busy += d;
    self.set(label(n), (self.get(label(n)) ?? 0) + d);
    files.set(fileOf(n), (files.get(fileOf(n)) ?? 0) + d);
    const seen = new Set<string>();
    for (let cur: number | undefined = n.id; cur !== undefined; cur = parent.get(cur)) {
      const k = label(byId.get(cur)!);
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + d);
    }
  }
  const pct = (v: number) => `${((100 * v) / Math.max(1, busy)).toFixed(1)} %`;
  const rows = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => [pct(v), k]);
  return [
    `busy ${(busy / 1e6).toFixed(2)} s of samples (idle left out)`,
    '',
    'self time by function:',
    table(['share', 'function'], rows(self, top)),
    '',
    'inclusive time by function:',
    table(['share', 'function'], rows(incl, top).filter(([, k]) => !k.startsWith('(root)'))),
    '',
    'self time by file / package:',
    table(['share', 'file'], rows(files, Math.min(top, 20))),
  ].join('\n');
}

export function summarizeProfileFile(file: string, top = 30): string {
  return summarizeProfile(readFileSync(file, 'utf8'), top);
}
