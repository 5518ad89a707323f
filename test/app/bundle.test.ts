/**
 * The run-time bundle (scripts/bundle.mjs → dist/bundle/, what bin/wapgate.js runs; issue 13). Built here into a
 * temp folder with its metafile; checked for what the installed program depends on: the entries where
 * src/runtime/entry.ts looks for them, every output one folder deep, dynamic imports still split (what
 * lazy-loading.test.ts checks on the sources holds in the bundle), and the packages left to node_modules.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/tools.ts';

const ROOT = join(import.meta.dirname, '..', '..');

interface Output {
  bytes: number;
  entryPoint?: string;
  imports: { path: string; kind: string; external?: boolean }[];
  inputs: Record<string, unknown>;
}
let outdir: string;
let outputs: Record<string, Output>;

beforeAll(() => {
  const dir = tempDir('wapgate-bundle-');
  outdir = join(dir, 'bundle');
  const meta = join(dir, 'meta.json');
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs'), outdir], { cwd: ROOT, env: { ...process.env, BUNDLE_META: meta }, stdio: 'pipe' });
  const raw = (JSON.parse(readFileSync(meta, 'utf8')) as { outputs: Record<string, Output> }).outputs;
  // Output paths relative to the bundle's folder.
  const prefix = `${relative(ROOT, outdir)}/`;
  outputs = Object.fromEntries(Object.entries(raw).filter(([o]) => o.endsWith('.js')).map(([o, v]) => [o.slice(prefix.length), { ...v, imports: v.imports.map((i) => ({ ...i, path: i.external ? i.path : i.path.slice(prefix.length) })) }]));
}, 60_000);

function outputOf(entry: string): string {
  const hit = Object.entries(outputs).find(([, v]) => v.entryPoint === entry);
  if (!hit) throw new Error(`no output for ${entry}`);
  return hit[0];
}

/** What loading `start` loads before any dynamic import runs: bundle files, and the packages left outside. */
function staticClosure(start: string): { files: Set<string>; packages: Set<string>; inputs: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const inputs = new Set<string>();
  const todo = [start];
  while (todo.length) {
    const f = todo.pop()!;
    if (files.has(f)) continue;
    files.add(f);
    for (const i of Object.keys(outputs[f]!.inputs)) inputs.add(i);
    for (const i of outputs[f]!.imports) {
      if (i.kind !== 'import-statement' && i.kind !== 'require-call') continue;
      if (i.external) packages.add(i.path);
      else todo.push(i.path);
    }
  }
  return { files, packages, inputs };
}

describe('dist/bundle (scripts/bundle.mjs)', () => {
  it('has the entries src/runtime/entry.ts starts, and every output one folder below the root', () => {
    expect(outputOf('src/cli/main.ts')).toBe('cli/main.js');
    expect(outputOf('src/app/worker-thread.ts')).toBe('app/worker-thread.js');
    expect(outputOf('src/bench/upstream.ts')).toBe('bench/upstream.js');
    for (const o of Object.keys(outputs)) expect(o.split('/'), o).toHaveLength(2);
  });

  it('keeps serve’s optional parts out of its start-up: they stay dynamic imports of their own', () => {
    const serve = staticClosure(outputOf('src/cli/serve.ts'));
    expect(serve.inputs.has('src/gateway/proxy.ts')).toBe(true);
    expect(serve.packages.has('better-sqlite3')).toBe(true);
    for (const lazy of ['src/identity/radius-server.ts', 'src/bearer/sms/smpp-client.ts', 'src/push/pap-parse.ts', 'src/push/pap-multipart.ts', 'src/smsbox/index.ts', 'src/state/redis-link.ts', 'src/push/pap-tls.ts']) {
      expect(serve.inputs.has(lazy), lazy).toBe(false);
    }
    for (const pkg of ['fast-xml-parser', '@mjackson/multipart-parser']) expect([...serve.inputs].some((i) => i.includes(`node_modules/${pkg}/`)), pkg).toBe(false);
    for (const pkg of ['yaml', 'radius', 'smpp', 'ioredis', 'tough-cookie', 'iconv-lite', 'pino-pretty']) expect([...serve.packages].some((p) => p === pkg || p.startsWith(`${pkg}/`)), pkg).toBe(false);
  });

  it('loads zod without its locales, and leaves native, self-locating and lazily required packages in node_modules', () => {
    const all = new Set(Object.values(outputs).flatMap((v) => Object.keys(v.inputs)));
    expect([...all].some((i) => i.startsWith('node_modules/zod/'))).toBe(true);
    expect([...all].filter((i) => /node_modules\/zod\/.*\/locales\/(?!en\.js)/.test(i))).toEqual([]);
    for (const pkg of ['better-sqlite3', 'pino', 'undici', 'ioredis', 'radius', 'yaml']) expect([...all].some((i) => i.startsWith(`node_modules/${pkg}/`)), pkg).toBe(false);
  });

  it('gives a worker thread the gateway path only: no configuration schema (zod), metrics registry (prom-client) or logger (pino)', () => {
    const worker = staticClosure('app/worker-thread.js');
    expect(worker.inputs.has('src/gateway/proxy.ts')).toBe(true);
    for (const pkg of ['zod', 'prom-client']) expect([...worker.inputs].some((i) => i.includes(`node_modules/${pkg}/`)), pkg).toBe(false);
    expect([...worker.packages].filter((p) => p.startsWith('pino'))).toEqual([]);
  });
});
