/**
 * Our compiler against Kannel's (tools we did not write): every script in scripts/ is compiled by us and by
 * /usr/bin/wmlsc; /usr/bin/wmlsdasm must disassemble ours without error; function names and indexes, arities,
 * locals, library calls and the instruction streams must agree after normalise.ts. wmlsc runs under a
 * timeout (it loops forever on some inputs, e.g. `for (;;) {}`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileWmlScript, WmlScriptCompileError } from '../../../src/content/wmlscript/index.ts';
import { decodeWmlScriptBytecode } from '../../../src/content/wmlscript/decode.ts';
import { toolAvailable } from '../../support/tools.ts';
import { kannelCompile, kannelDisassemble, WMLSC, WMLSDASM } from './kannel.ts';
import { mutate, prng } from './mutate.ts';
import { normalise } from './normalise.ts';

const SCRIPTS = join(import.meta.dirname, 'scripts');
const scripts = readdirSync(SCRIPTS).filter((f) => f.endsWith('.wmls')).sort();
const haveTools = toolAvailable(WMLSC) && toolAvailable(WMLSDASM);

describe.skipIf(!haveTools)('WMLScript: our compiler against Kannel wmlsc / wmlsdasm', () => {
  it('has a suite covering the scripts directory', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(16);
  });

  for (const file of scripts) {
    describe(file, () => {
      const source = readFileSync(join(SCRIPTS, file), 'utf8');
      const ours = compileWmlScript(source);
      const theirs = kannelCompile(source, file.replace(/\.wmls$/, ''));

      it('wmlsc compiles it', () => {
        expect(typeof theirs === 'string' ? theirs : 'ok').toBe('ok');
      });

      it('wmlsdasm disassembles ours without error', () => {
        const d = kannelDisassemble(ours);
        expect(d.status).toBe(0);
        expect(d.err).toBe('');
        expect(d.out).not.toMatch(/invalid byte-code file/);
        // Kannel's own decoder reads the same size and every function.
        expect(d.out).toContain(`${ours.length} bytes`);
        const functions = decodeWmlScriptBytecode(ours).functions;
        for (const f of functions) expect(d.out).toContain(`Function ${f.index}`);
        // …and prints the same listing for ours as for wmlsc's.
        if (typeof theirs !== 'string') expect(d.out).toBe(kannelDisassemble(theirs).out);
      });

      it('function names and indexes, arities, locals and library calls agree', () => {
        if (typeof theirs === 'string') throw new Error(theirs);
        const a = normalise(decodeWmlScriptBytecode(ours));
        const b = normalise(decodeWmlScriptBytecode(theirs));
        const shape = (u: typeof a) => u.functions.map((f) => ({ index: f.index, name: f.name, params: f.params, locals: f.locals }));
        expect(shape(a)).toEqual(shape(b));
        const libCalls = (u: typeof a) => u.functions.map((f) => f.instructions.filter((i) => i.startsWith('call')));
        expect(libCalls(a)).toEqual(libCalls(b));
        expect(a.pragmas).toEqual(b.pragmas);
      });

      it('instruction streams agree after normalising', () => {
        if (typeof theirs === 'string') throw new Error(theirs);
        expect(normalise(decodeWmlScriptBytecode(ours))).toEqual(normalise(decodeWmlScriptBytecode(theirs)));
      });

      it('is byte-identical to wmlsc (no normalising needed for this suite)', () => {
        if (typeof theirs === 'string') throw new Error(theirs);
        expect(ours.toString('hex')).toBe(theirs.toString('hex'));
      });
    });
  }
});

/**
 * Differential: seeded mutants of the suite compiled by both. Where both compile, the normalised streams
 * must agree; where only one does, the reason must be one docs/wmlscript.md lists.
 */
describe.skipIf(!haveTools)('WMLScript: mutants compiled by us and by wmlsc', () => {
  it('agree on 200 seeded mutants (one mutation each), or differ only as documented', () => {
    const rnd = prng(0x0193_0194);
    const corpus = scripts.map((f) => readFileSync(join(SCRIPTS, f), 'utf8'));
    const tally: Record<string, number> = {};
    for (let n = 0; n < 200; n++) {
      const source = mutate(corpus[n % corpus.length]!, rnd, corpus, 1);
      // wmlsc reads ISO-8859-1 source only.
      if (/[^\u0000-\u00ff]/.test(source)) continue;
      let ours: Buffer | WmlScriptCompileError;
      try {
        ours = compileWmlScript(source);
      } catch (e) {
        if (!(e instanceof WmlScriptCompileError)) throw e;
        ours = e;
      }
      const theirs = kannelCompile(source, 'mutant', 3000);
      let verdict: string;
      if (ours instanceof Buffer && theirs instanceof Buffer) {
        expect(normalise(decodeWmlScriptBytecode(ours)), `mutant ${n}:\n${source}`).toEqual(normalise(decodeWmlScriptBytecode(theirs)));
        verdict = ours.equals(theirs) ? 'identical' : 'equal after normalising';
      } else if (!(ours instanceof Buffer) && !(theirs instanceof Buffer)) verdict = 'both reject';
      // Documented differences (docs/wmlscript.md):
      else if (typeof theirs === 'string' && theirs.includes('timed out')) verdict = 'wmlsc hangs on a jump cycle';
      else if (ours instanceof WmlScriptCompileError && ours.message.includes("more than one 'use access'")) verdict = 'second use access rejected (WAP-193 §6.7.2)';
      else if (typeof theirs === 'string' && /\b0[eE]/.test(source)) verdict = 'wmlsc misreads 0e… literals';
      else throw new Error(`mutant ${n}: ours ${ours instanceof WmlScriptCompileError ? ours.message : 'compiles'}, wmlsc ${typeof theirs === 'string' ? theirs : 'compiles'}\n${source}`);
      tally[verdict] = (tally[verdict] ?? 0) + 1;
    }
    console.log('wmlscript differential:', JSON.stringify(tally));
    expect((tally['identical'] ?? 0) + (tally['equal after normalising'] ?? 0)).toBeGreaterThan(10);
  }, 120_000);
});
