/**
 * 10,000 mutated WML sources (a seeded mutator over our decks and Kannel's): the compiler answers each with
 * WBXML or a ContentError — never another exception, never beyond the configured time or output size — and
 * what it answers decodes (src/wbxml/decode.ts, bounded).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContentError } from '../../src/content/errors.ts';
import { compileWml } from '../../src/content/wml/compile.ts';
import { decodeWbxml } from '../../src/wbxml/decode.ts';
import { prng as rng } from '../wtp/harness.ts';

const DIR = join(import.meta.dirname, 'decks');
const CORPUS = [
  readFileSync('/usr/lib/kannel/test/hello.wml'),
  readFileSync('/usr/lib/kannel/test/testcase.wml'),
  ...readdirSync(DIR)
    .filter((f) => f.endsWith('.wml'))
    .map((f) => readFileSync(join(DIR, f))),
];

const PIECES = ['<', '>', '</', '/>', '&', '&amp;', '&#', '&#x110000;', '&#0;', ';', '$', '$(', '$(x:e)', '$$', ')', '"', "'", '=', '<!--', '-->', '<![CDATA[', ']]>', '<?', '?>', '<!DOCTYPE wml [', '<p>', '</p>', '<b>', '<card>', '\u0000', '\uffff', '\ud800', 'é', '☺', ' ', '\n', '<pre>', 'xml:space="preserve"'];

function mutate(src: Buffer, r: () => number): Buffer {
  let s = src.toString('latin1');
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(r() * (s.length + 1));
    const len = Math.floor(r() * 40);
    switch (Math.floor(r() * 6)) {
      case 0:
        s = s.slice(0, at) + s.slice(at + len);
        break;
      case 1:
        s = s.slice(0, at) + s.slice(at, at + len).repeat(1 + Math.floor(r() * 50)) + s.slice(at);
        break;
      case 2:
        s = s.slice(0, at) + PIECES[Math.floor(r() * PIECES.length)] + s.slice(at);
        break;
      case 3: {
        const b = Buffer.from(s, 'latin1');
        for (let i = 0; i < 3 && b.length; i++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
        s = b.toString('latin1');
        break;
      }
      case 4:
        s = s.slice(0, at) + '<b>'.repeat(Math.floor(r() * 100)) + s.slice(at);
        break;
      default: {
        const from = Math.floor(r() * s.length);
        s = s.slice(0, at) + s.slice(from, from + len) + s.slice(at);
      }
    }
  }
  return Buffer.from(s, 'latin1');
}

describe('10,000 mutated WML sources', () => {
  it('compile or fail with ContentError, within the time and size bounds, and decode', () => {
    const r = rng(0x5eed);
    const maxMillis = 50;
    const maxOutputBytes = 8 * 1024;
    const seen: Record<string, number> = { ok: 0 };
    let slowest = 0;
    for (let i = 0; i < 10_000; i++) {
      const src = mutate(CORPUS[i % CORPUS.length]!, r);
      const strict = i % 3 === 0;
      const t0 = process.cpuUsage();
      try {
        const out = compileWml(src, { strict, maxMillis, maxOutputBytes, maxSourceBytes: 64 * 1024, wbxmlVersion: i % 4 });
        expect(out.body.length).toBeLessThanOrEqual(maxOutputBytes);
        decodeWbxml(out.body, { maxDepth: 200 });
        seen.ok!++;
      } catch (e) {
        if (!(e instanceof ContentError)) throw new Error(`source #${i} threw ${String(e)}: ${JSON.stringify(src.toString('latin1').slice(0, 300))}`);
        seen[e.code] = (seen[e.code] ?? 0) + 1;
      }
      const used = process.cpuUsage(t0);
      slowest = Math.max(slowest, (used.user + used.system) / 1000);
    }
    // The parser checks its (wall-clock) deadline every 256 steps: a little over maxMillis at most. Asserted in
    // CPU time of this process, so a loaded shared machine does not fail it (GC threads count, hence the margin).
    expect(slowest).toBeLessThan(maxMillis + 150);
    expect(seen.ok).toBeGreaterThan(1000);
    console.log('fuzz outcomes', seen, `slowest ${slowest.toFixed(1)} ms CPU`);
  }, 120_000);
});
