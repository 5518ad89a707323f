/**
 * Byte-level mutations of a seed input (AFL-style: flips, interesting values, inserted/deleted/duplicated runs,
 * truncation, splicing with another seed) and uintvar/length-aware ones (WAP-230 §8.1.2 uintvars blown up,
 * shrunk, made endless). Pure: a seed and an Rng in, a new Buffer out, never larger than `max` octets.
 */
import type { Rng } from './rng.ts';

const INTERESTING = [0x00, 0x01, 0x1f, 0x20, 0x7f, 0x80, 0x81, 0xff, 0xfe, 0x3f, 0x40, 0x1e];

export function uintvar(n: number): Buffer {
  const out = [n & 0x7f];
  for (n = Math.floor(n / 128); n > 0; n = Math.floor(n / 128)) out.unshift((n & 0x7f) | 0x80);
  return Buffer.from(out);
}

/** One to four stacked mutations of `seed`. */
export function mutate(rng: Rng, seed: Buffer, other: Buffer | undefined, max = 65_000): Buffer {
  let b: Buffer = Buffer.from(seed);
  const n = rng.range(1, 4);
  for (let i = 0; i < n; i++) b = mutateOnce(rng, b, other);
  return b.length > max ? b.subarray(0, max) : b;
}

function mutateOnce(rng: Rng, b: Buffer, other: Buffer | undefined): Buffer {
  if (b.length === 0) return rng.bytes(rng.range(1, 8));
  const at = rng.int(b.length);
  switch (rng.int(11)) {
    case 0: // bit flip
      b[at] = b[at]! ^ (1 << rng.int(8));
      return b;
    case 1: // interesting octet
      b[at] = rng.pick(INTERESTING);
      return b;
    case 2: // random octet
      b[at] = rng.int(256);
      return b;
    case 3: // delete a run
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + rng.range(1, 16)))]);
    case 4: // insert random octets
      return Buffer.concat([b.subarray(0, at), rng.bytes(rng.range(1, 16)), b.subarray(at)]);
    case 5: { // duplicate a run
      const len = rng.range(1, Math.min(64, b.length - at));
      return Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
    }
    case 6: // truncate
      return b.subarray(0, at);
    case 7: // a uintvar / length blown up: a long run of continuation octets or a huge value
      return Buffer.concat([b.subarray(0, at), rng.chance(0.5) ? Buffer.alloc(rng.range(1, 8), 0xff) : uintvar(rng.pick([0x7f, 0x80, 0x3fff, 0xffff, 0x7fffffff, 0xffffffff])), b.subarray(at + 1)]);
    case 8: // length octet ±1 / 0 / 31 (Length-quote)
      b[at] = rng.pick([(b[at]! + 1) & 0xff, (b[at]! - 1) & 0xff, 0, 31, 30]);
      return b;
    case 9: { // splice with another seed
      if (!other || other.length === 0) return b;
      const from = rng.int(other.length);
      return Buffer.concat([b.subarray(0, at), other.subarray(from, from + rng.range(1, 256))]);
    }
    default: { // repeat a run many times (header/part count pressure)
      const len = rng.range(1, Math.min(8, b.length - at));
      const run = b.subarray(at, at + len);
      return Buffer.concat([b.subarray(0, at), Buffer.concat(Array(rng.range(2, 200)).fill(run)), b.subarray(at + len)]);
    }
  }
}
