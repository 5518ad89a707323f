/**
 * 10,000 mutated sources (seeded, so a failure reproduces): the compiler either returns bytecode within the
 * configured size that decodes cleanly, or throws a WmlScriptCompileError with a position — never another
 * error, never past the configured time. A sample of what compiles goes through Kannel's wmlsdasm.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileWmlScript, WmlScriptCompileError } from '../../../src/content/wmlscript/index.ts';
import { decodeWmlScriptBytecode } from '../../../src/content/wmlscript/decode.ts';
import { toolAvailable } from '../../support/tools.ts';
import { kannelDisassemble, WMLSDASM } from './kannel.ts';
import { mutate, prng } from './mutate.ts';

const SCRIPTS = join(import.meta.dirname, 'scripts');
const corpus = readdirSync(SCRIPTS).filter((f) => f.endsWith('.wmls')).sort().map((f) => readFileSync(join(SCRIPTS, f), 'utf8'));
const LIMITS = { maxMillis: 250, maxBytecodeBytes: 16 * 1024, maxSourceBytes: 64 * 1024 };
// Wall-clock slack over maxMillis for one compile on a loaded shared machine (GC, scheduling); the CPU time
// of each compile must stay within maxMillis itself.
const SLACK_MS = 1000;

describe('WMLScript compiler under 10,000 mutated sources', () => {
  const compiled: Buffer[] = [];
  it('never crashes, never exceeds the time or size bounds', () => {
    const rnd = prng(0x5eed_0193);
    const codes = new Map<string, number>();
    let ok = 0;
    let slowest = 0;
    let slowestCpu = 0;
    for (let n = 0; n < 10_000; n++) {
      const source = mutate(corpus[n % corpus.length]!, rnd, corpus);
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      try {
        const out = compileWmlScript(source, LIMITS);
        expect(out.length).toBeLessThanOrEqual(LIMITS.maxBytecodeBytes);
        decodeWmlScriptBytecode(out);
        ok++;
        if (compiled.length < 150 && n % 7 === 0) compiled.push(out);
      } catch (e) {
        if (!(e instanceof WmlScriptCompileError)) throw new Error(`case ${n}: ${String(e)}\n${source.slice(0, 400)}`);
        expect(e.line).toBeGreaterThanOrEqual(1);
        expect(e.column).toBeGreaterThanOrEqual(1);
        codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
      }
      slowest = Math.max(slowest, performance.now() - t0);
      const cpu = process.cpuUsage(c0);
      slowestCpu = Math.max(slowestCpu, (cpu.user + cpu.system) / 1000);
    }
    console.log(`wmlscript fuzz: ${ok} compiled, ${10_000 - ok} rejected with ${codes.size} codes, slowest ${slowest.toFixed(1)} ms wall, ${slowestCpu.toFixed(1)} ms CPU:`, JSON.stringify(Object.fromEntries(codes)));
    expect(slowestCpu).toBeLessThan(LIMITS.maxMillis);
    expect(slowest).toBeLessThan(LIMITS.maxMillis + SLACK_MS);
    // The mutations reach both sides: some compile, and many distinct errors come out.
    expect(ok).toBeGreaterThan(250);
    expect(codes.size).toBeGreaterThanOrEqual(10);
  }, 120_000);

  it.skipIf(!toolAvailable(WMLSDASM))('wmlsdasm reads a sample of the mutants that compiled', () => {
    expect(compiled.length).toBeGreaterThan(50);
    for (const out of compiled) {
      const d = kannelDisassemble(out);
      expect(d.status).toBe(0);
      expect(d.err).toBe('');
    }
  }, 120_000);
});

describe('WMLScript compiler bounds on hostile sources', () => {
  const expectCode = (source: string, code: string, options = {}): void => {
    try {
      compileWmlScript(source, options);
    } catch (e) {
      expect(e).toBeInstanceOf(WmlScriptCompileError);
      expect((e as WmlScriptCompileError).code).toBe(code);
      return;
    }
    throw new Error('compiled');
  };
  it('nesting: parentheses, blocks, unary chains, long operator chains', () => {
    expectCode(`extern function f() { return ${'('.repeat(5000)}1${')'.repeat(5000)}; }`, 'WMLS_TOO_DEEP');
    expectCode(`extern function f() { ${'{'.repeat(5000)}${'}'.repeat(5000)} }`, 'WMLS_TOO_DEEP');
    expectCode(`extern function f() { return ${'!'.repeat(5000)}1; }`, 'WMLS_TOO_DEEP');
    expectCode(`extern function f() { return 1${'+1'.repeat(100_000)}; }`, 'WMLS_TOO_DEEP');
    expectCode(`extern function f(a) { return ${'a = '.repeat(5000)}1; }`, 'WMLS_TOO_DEEP');
    expectCode(`extern function f() { ${'if (1) '.repeat(5000)}; }`, 'WMLS_TOO_DEEP');
  });
  it('source and bytecode size', () => {
    expectCode(`extern function f() { return "${'x'.repeat(300_000)}"; }`, 'WMLS_SOURCE_TOO_LARGE');
    expectCode(`extern function f() { return "${'\u00e9'.repeat(200_000)}"; }`, 'WMLS_SOURCE_TOO_LARGE');
    // Size, not time, is under test: a wall-clock budget that a loaded shared machine cannot exhaust (it did: 1 s).
    expectCode(`extern function f() { return "${'x'.repeat(70_000)}"; }`, 'WMLS_BYTECODE_TOO_LARGE', { maxSourceBytes: 1 << 20, maxMillis: 60_000 });
    const many = Array.from({ length: 3000 }, (_, i) => `x = ${i * 1000};`).join(' ');
    expectCode(`extern function f() { var x; ${many} }`, 'WMLS_BYTECODE_TOO_LARGE', { maxBytecodeBytes: 4096, maxMillis: 60_000 });
  });
  it('time: a fake clock past the deadline stops the compiler with WMLS_TIMEOUT', () => {
    let t = 0;
    const source = `extern function f() { var x; ${'x = x + 1; '.repeat(2000)} }`;
    expectCode(source, 'WMLS_TIMEOUT', { maxMillis: 10, now: () => (t += 1) });
  });
});

describe('WMLScript compiler on a small stack', () => {
  it('a depth bound beyond the stack still ends in WMLS_TOO_DEEP, not a RangeError', () => {
    // A child Node with a quarter of the default stack: 999 nested parentheses (within maxDepth 1000) no longer
    // fit, and the overflow must come out as the typed error.
    const index = join(import.meta.dirname, '..', '..', '..', 'src', 'content', 'wmlscript', 'index.ts');
    const script = `
      import(${JSON.stringify(pathToFileURL(index).href)}).then(({ compileWmlScript }) => {
        try {
          compileWmlScript('extern function f(a) { return ' + '('.repeat(999) + 'a' + ')'.repeat(999) + '; }', { maxDepth: 1000 });
          console.log('compiled');
        } catch (e) { console.log(e.code ?? e.name); }
      });`;
    const r = spawnSync(process.execPath, ['--stack-size=250', '--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stdout.trim()).toBe('WMLS_TOO_DEEP');
  }, 60_000);
});
