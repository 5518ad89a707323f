/**
 * Structure-aware inputs: well-formed skeletons with one or more fields pushed to their edges, so the fuzzer
 * reaches code past the first length check. WTP (WAP-224 §8: Invoke classes, TIDs, TPIs, SAR with PSNs, group
 * trailers and transmission trailers out of order, Ack/Nack/Abort), WSP (WAP-230 §8.2: Connect capabilities,
 * header blocks with code-page shifts, Get/Post, multipart), MMS (OMA-MMS-ENC §7: header fields with edge
 * values). Each generator returns the datagrams (or the HTTP body) of one input.
 */
import { encodeWtpPdu, type WtpPdu, type WtpTpi } from '../wtp/pdu.ts';
import { mutate, uintvar } from './mutate.ts';
import type { Rng } from './rng.ts';

const text = (s: string): Buffer => Buffer.from(`${s}\0`, 'latin1');

// ---- WSP pieces ----

function capability(rng: Rng): Buffer {
  const id = rng.int(12); // 0x00-0x09 assigned, 10-11 unassigned
  let value: Buffer;
  switch (id) {
    case 0: case 1: case 8: case 9:
      value = uintvar(rng.pick([0, 1, 1400, 65535, 1_048_576, 0x7fffffff, 0xffffffff]));
      break;
    case 2:
      value = rng.bytes(rng.range(0, 3));
      break;
    case 3: case 4:
      value = Buffer.from([rng.pick([0, 1, 2, 255])]);
      break;
    case 5:
      value = Buffer.concat([Buffer.from([rng.range(0x50, 0x7f)]), text(rng.pick(['PROPFIND', '', 'X'.repeat(200)]))]);
      break;
    case 6:
      value = Buffer.concat([Buffer.from([rng.int(256)]), rng.chance(0.7) ? text(rng.pick(['x-vendor', 'Nokia', ''])) : Buffer.alloc(0)]);
      break;
    case 7:
      value = Buffer.from([rng.pick([0xc4, 0x44, 0x84, 0x04, 0x3f]), 0x00, 0x23, 0x85, 127, 0, 0, 1]);
      break;
    default:
      value = rng.bytes(rng.range(0, 6));
  }
  const ident = rng.chance(0.1) ? text(rng.pick(['X-Cap', 'Header-Code-Pages'])) : Buffer.from([0x80 | id]);
  const body = Buffer.concat([ident, value]);
  const len = rng.chance(0.1) ? rng.pick([0, body.length + 1, body.length - 1, 0xffff]) : body.length;
  return Buffer.concat([uintvar(Math.max(0, len)), body]);
}

const TEXT_NAMES = ['Accept', 'accept', 'x-wap-profile', 'User-Agent', 'X-WAP.TOD', 'Cache-Control', 'Content-Type', 'X-Foo'];
const VALUES = ['*/*', 'application/vnd.wap.mms-message', 'text/vnd.wap.wml', 'utf-8', 'en', '"http://x/p.xml"', 'no-cache', ''];

/** A header block: well-known fields with edge values, text-named fields, shifts to other pages. */
export function headerBlock(rng: Rng, n = rng.range(0, 12)): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    switch (rng.int(5)) {
      case 0:
        out.push(Buffer.from([0x80 | rng.int(0x80), 0x80 | rng.int(0x80)]));
        break;
      case 1:
        out.push(Buffer.from([0x80 | rng.int(0x80)]), text(rng.pick(VALUES)));
        break;
      case 2: {
        const v = rng.bytes(rng.range(0, 40));
        out.push(Buffer.from([0x80 | rng.int(0x80)]), v.length < 31 ? Buffer.from([v.length]) : Buffer.concat([Buffer.from([31]), uintvar(v.length)]), v);
        break;
      }
      case 3:
        out.push(text(rng.pick(TEXT_NAMES)), rng.chance(0.7) ? text(rng.pick(VALUES)) : Buffer.from([0x80 | rng.int(0x80)]));
        break;
      default:
        out.push(rng.chance(0.5) ? Buffer.from([0x7f, rng.int(256)]) : Buffer.from([rng.range(1, 31)]));
    }
  }
  return Buffer.concat(out);
}

export function connectPdu(rng: Rng): Buffer {
  const caps = Buffer.concat(Array.from({ length: rng.range(0, 8) }, () => capability(rng)));
  const hdrs = headerBlock(rng);
  const capLen = rng.chance(0.05) ? rng.int(0xffff) : caps.length;
  const hdrLen = rng.chance(0.05) ? rng.int(0xffff) : hdrs.length;
  return Buffer.concat([Buffer.from([0x01, rng.chance(0.9) ? 0x10 : rng.int(256)]), uintvar(capLen), uintvar(hdrLen), caps, hdrs]);
}

function uri(rng: Rng): Buffer {
  return Buffer.from(rng.pick(['http://127.0.0.1/', '/mms', 'http://[::1', '%00%ff', 'http://a/' + 'x'.repeat(rng.range(0, 3000)), '']), 'latin1');
}

export function getPdu(rng: Rng): Buffer {
  const u = uri(rng);
  return Buffer.concat([Buffer.from([rng.pick([0x40, 0x41, 0x42, 0x43, 0x44, 0x50, 0x5f])]), uintvar(rng.chance(0.05) ? rng.int(0xffff) : u.length), u, headerBlock(rng)]);
}

/** A multipart body (WAP-230 §8.5) with edge counts and lengths. */
export function multipart(rng: Rng): Buffer {
  const n = rng.range(0, 5);
  const parts: Buffer[] = [uintvar(rng.chance(0.1) ? rng.pick([0, 1000, 0xffffff]) : n)];
  for (let i = 0; i < n; i++) {
    const ct = rng.chance(0.5) ? Buffer.from([0x80 | rng.int(0x80)]) : text(rng.pick(['text/plain', 'application/smil', 'image/jpeg']));
    const hdrs = Buffer.concat([ct, headerBlock(rng, rng.range(0, 3))]);
    const data = rng.bytes(rng.range(0, 64));
    parts.push(uintvar(rng.chance(0.1) ? rng.int(0xffff) : hdrs.length), uintvar(rng.chance(0.1) ? rng.int(0xffff) : data.length), hdrs, data);
  }
  return Buffer.concat(parts);
}

/** An MMS PDU: a real one with fields inserted at the edges of their grammar, or a skeleton. */
export function mmsPdu(rng: Rng, seeds: readonly Buffer[]): Buffer {
  const fields: Buffer[] = [Buffer.from([0x8c, rng.pick([0x80, 0x83, 0x85, 0x86, 0x87, 0x88, 0x8f, 0x7f])])];
  for (let i = rng.range(0, 10); i > 0; i--) {
    const code = 0x80 | rng.int(0x50);
    switch (rng.int(4)) {
      case 0: fields.push(Buffer.from([code, 0x80 | rng.int(0x80)])); break;
      case 1: fields.push(Buffer.from([code]), text(rng.pick(['+15550000002/TYPE=PLMN', 'x', '', '\x7f\x7f']))); break;
      case 2: { const v = rng.bytes(rng.range(0, 30)); fields.push(Buffer.from([code, v.length]), v); break; }
      default: fields.push(Buffer.from([code, 31]), uintvar(rng.pick([0, 5, 0xffff])), rng.bytes(rng.range(0, 8)));
    }
  }
  if (rng.chance(0.6)) fields.push(Buffer.from([0x84, rng.pick([0xa3, 0xb3, 0x83])]), multipart(rng));
  if (rng.chance(0.2)) fields.push(Buffer.alloc(rng.range(1, 32)));
  const built = Buffer.concat(fields);
  return seeds.length && rng.chance(0.5) ? mutate(rng, rng.pick(seeds), built) : built;
}

export function postPdu(rng: Rng, mms: readonly Buffer[]): Buffer {
  const u = uri(rng);
  const ct = rng.chance(0.7) ? Buffer.from([0xbe]) : text(rng.pick(['application/vnd.wap.multipart.related', 'text/plain']));
  const hdrs = Buffer.concat([ct, headerBlock(rng, rng.range(0, 4))]);
  const body = rng.chance(0.7) ? mmsPdu(rng, mms) : multipart(rng);
  return Buffer.concat([Buffer.from([rng.pick([0x60, 0x61, 0x70, 0x7f])]), uintvar(u.length), uintvar(rng.chance(0.05) ? rng.int(0xffff) : hdrs.length), u, hdrs, body]);
}

// ---- WTP (port 9201) ----

function tpis(rng: Rng): WtpTpi[] {
  const out: WtpTpi[] = [];
  for (let i = rng.chance(0.7) ? 0 : rng.range(1, 4); i > 0; i--) {
    switch (rng.int(5)) {
      case 0: out.push({ type: 'PSN', psn: rng.int(256) }); break;
      case 1: out.push({ type: 'Option', option: rng.int(256), value: rng.bytes(rng.range(0, 4)) }); break;
      case 2: out.push({ type: 'Info', value: rng.bytes(rng.range(0, 10)) }); break;
      case 3: out.push({ type: 'SDUBoundary', value: Buffer.alloc(0) }); break;
      default: out.push({ type: 'Unknown', id: rng.range(6, 15), value: rng.bytes(rng.range(0, 3)) });
    }
  }
  return out;
}

function invoke(rng: Rng, tid: number, data: Buffer, over: Partial<WtpPdu> = {}): Buffer {
  return encodeWtpPdu({
    type: 'Invoke', tid, tidResponse: false, rid: rng.chance(0.1), gtr: rng.chance(0.1), ttr: rng.chance(0.9), version: rng.chance(0.95) ? 0 : rng.int(4),
    tidNew: rng.chance(0.1), uack: rng.chance(0.5), class: rng.pick([0, 1, 2, 2, 2] as const), tpis: tpis(rng), data, ...over,
  } as WtpPdu);
}

/** A WSP PDU in a WTP Invoke, or a segmented message (SAR) with its sequence and group boundaries disturbed. */
/** The last forward-moving TID per generator (keyed by its Rng, so a seed gives the same inputs every time). */
const lastTid = new WeakMap<Rng, number>();

export function wtpInput(rng: Rng, mms: readonly Buffer[]): Buffer[] {
  // Mostly TIDs that move forward (WAP-224 §9.3: a TID not newer than the last one from that address is
  // verified first, and a fuzzer that does not answer the verification never gets past it), sometimes any.
  let tid = rng.int(0x8000);
  if (rng.chance(0.8)) lastTid.set(rng, (tid = ((lastTid.get(rng) ?? 0) + 1) & 0x7fff));
  const pick = rng.int(10);
  const wsp = pick < 4 ? connectPdu(rng) : pick < 6 ? getPdu(rng) : pick < 8 ? postPdu(rng, mms) : rng.bytes(rng.range(0, 40));
  if (rng.chance(0.7)) return [invoke(rng, tid, wsp)];
  if (rng.chance(0.3)) {
    // Ack / Nack / Abort for a transaction that may or may not exist.
    const k = rng.int(3);
    const pdu: WtpPdu =
      k === 0 ? { type: 'Ack', tid, tidResponse: rng.chance(0.5), rid: false, tveTok: rng.chance(0.5), tpis: tpis(rng), data: Buffer.alloc(0) }
      : k === 1 ? { type: 'Nack', tid, tidResponse: rng.chance(0.5), rid: false, missing: Array.from({ length: rng.range(0, 8) }, () => rng.int(256)), tpis: [], data: Buffer.alloc(0) }
      : { type: 'Abort', tid, tidResponse: rng.chance(0.5), abortType: rng.pick(['Provider', 'User'] as const), reason: rng.int(256), tpis: [], data: Buffer.alloc(0) };
    return [encodeWtpPdu(pdu)];
  }
  // SAR: first segment is the Invoke (TTR off), then SegmentedInvokes; PSNs skipped, repeated, out of range,
  // GTR set early/late/never, TTR twice, segments sent out of order.
  const body = Buffer.concat([wsp, rng.bytes(rng.range(0, 3000))]);
  const size = rng.pick([1, 64, 500, 1400]);
  const segs: Buffer[] = [];
  for (let off = 0; off < body.length; off += size) segs.push(body.subarray(off, off + size));
  const out: Buffer[] = [invoke(rng, tid, segs[0]!, { ttr: segs.length === 1, gtr: rng.chance(0.3), class: 2 } as Partial<WtpPdu>)];
  for (let i = 1; i < segs.length && i < 300; i++) {
    const last = i === segs.length - 1;
    const psn = rng.chance(0.9) ? i & 0xff : rng.int(256);
    out.push(encodeWtpPdu({ type: 'SegmentedInvoke', tid, tidResponse: false, rid: rng.chance(0.05), gtr: last || rng.chance(0.15), ttr: last ? rng.chance(0.95) : rng.chance(0.02), psn, tpis: [], data: segs[i]! }));
  }
  if (rng.chance(0.2)) for (let i = out.length - 1; i > 1; i--) { const j = 1 + rng.int(i); [out[i], out[j]] = [out[j]!, out[i]!]; }
  if (rng.chance(0.1)) out.splice(1 + rng.int(Math.max(1, out.length - 1)), 1);
  return out;
}

/** A connectionless WSP datagram (TID + Get/Post/other). */
export function clInput(rng: Rng, mms: readonly Buffer[]): Buffer[] {
  const k = rng.int(6);
  const pdu = k < 2 ? getPdu(rng) : k < 4 ? postPdu(rng, mms) : k === 4 ? connectPdu(rng) : rng.bytes(rng.range(0, 20));
  return [Buffer.concat([Buffer.from([rng.int(256)]), pdu])];
}
