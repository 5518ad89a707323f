/** Seeded source mutations for the WMLScript fuzz tests: deterministic for a seed, no Math.random. */
// The seeded PRNG the WTP harness uses (mulberry32), one copy in the tests.
export { prng } from '../../wtp/harness.ts';

// Fragments that steer mutations toward the grammar's corners.
const FRAGMENTS = [
  '(', ')', '{', '}', ';', ',', '=', '+=', 'div=', '>>>=', '++', '--', '?', ':', '#', '.', '!', '~', '&&', '||',
  'var ', 'if ', 'else ', 'while ', 'for ', 'return ', 'break;', 'continue;', 'function ', 'extern ', 'use ',
  'url ', 'access ', 'meta ', 'typeof ', 'isvalid ', 'invalid', 'true', 'false', 'Lang.abs(', 'String.length(',
  'Dialogs.alert(', 'WMLBrowser.go(', 'Foo#bar(', 'x', 'a', 'name', '0', '1', '-1', '0x', '0xFFFFFFFF',
  '2147483648', '-2147483648', '017', '09', '1e', '1e40', '3.4e38', '.5', '"', "'", '"\\x4"', '"\\u12"',
  '"\\q"', '"\\777"', '/*', '*/', '//', '\n', '\r\n', '\t', '\u00e9', '\ud800', '\u0000', '((((((((((',
  '))))))))))', '{{{{{{{{', '}}}}}}}}', 'for(;;){}', 'while(true);',
];

/** 1–`most` mutations of `source` (default up to 4). */
export function mutate(source: string, rnd: () => number, corpus: readonly string[], most = 4): string {
  let s = source;
  const n = 1 + Math.floor(rnd() * most);
  const pick = (k: number): number => Math.floor(rnd() * k);
  for (let m = 0; m < n; m++) {
    const at = pick(s.length + 1);
    switch (pick(8)) {
      case 0: s = s.slice(0, at) + s.slice(at + 1 + pick(20)); break; // delete a run
      case 1: s = s.slice(0, at) + FRAGMENTS[pick(FRAGMENTS.length)] + s.slice(at); break; // insert a fragment
      case 2: { // duplicate a run
        const len = pick(60);
        s = s.slice(0, at) + s.slice(at, at + len) + s.slice(at);
        break;
      }
      case 3: s = s.slice(0, at) + String.fromCharCode(pick(0x80)) + s.slice(at + 1); break; // replace a character
      case 4: s = s.slice(0, at); break; // truncate
      case 5: { // splice in a piece of another script
        const other = corpus[pick(corpus.length)]!;
        const from = pick(other.length);
        s = s.slice(0, at) + other.slice(from, from + pick(200)) + s.slice(at);
        break;
      }
      case 6: { // swap two characters
        const b = pick(s.length);
        if (at < s.length) s = s.slice(0, Math.min(at, b)) + s[Math.max(at, b)] + s.slice(Math.min(at, b) + 1, Math.max(at, b)) + s[Math.min(at, b)] + s.slice(Math.max(at, b) + 1);
        break;
      }
      default: s = s.slice(0, at) + FRAGMENTS[pick(FRAGMENTS.length)]!.repeat(1 + pick(300)) + s.slice(at); // repeat a fragment
    }
  }
  return s;
}
