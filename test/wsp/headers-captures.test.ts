/**
 * Header blocks from traffic we did not write: Kannel 1.4.5's own fakewap/test_ppg runs (recorded pcaps, with
 * tshark's reading beside them) and the real WAP Push PDUs in ../shared/captures/wap-push/. Every block must
 * decode, re-encode byte for byte, and say what tshark says it says.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/wire/reader.ts';
import { Writer } from '../../src/wire/writer.ts';
import { udpDatagramsOf } from '../../src/trace/pcap-read.ts';
import { decodeWtpDatagram, type WtpPdu } from '../../src/wtp/pdu.ts';
import { formatContentType, readContentType, writeContentType } from '../../src/wsp/content-type.ts';
import { decodeHeaders, encodeHeaders, FIELD_NAMES, type WspHeader } from '../../src/wsp/headers/index.ts';
import { SHARED_DIR, sharedAvailable } from '../support/tools.ts';

interface Block {
  /** Content-type octets, when the PDU has one before its headers. */
  contentType?: Buffer;
  headers: Buffer;
}

/** The header blocks of one WSP PDU (WAP-230 §8.2), with or without the connectionless TID octet. */
function headerBlocks(pdu: Buffer, withTid: boolean): Block[] {
  const r = new Reader(pdu);
  if (withTid) r.u8();
  const type = r.u8();
  const withCt = (len: number): Block[] => {
    const v = r.sub(len, 'headers');
    const start = v.pos;
    readContentType(v);
    return [{ contentType: pdu.subarray(start, v.pos), headers: v.rest() }];
  };
  switch (type) {
    case 0x01: // Connect
    case 0x02: {
      // ConnectReply
      if (type === 0x01) r.u8();
      else r.uintvar();
      const caps = r.uintvar();
      const hl = r.uintvar();
      r.bytes(caps);
      return [{ headers: r.bytes(hl) }];
    }
    case 0x04: // Reply
      r.u8();
      return withCt(r.uintvar());
    case 0x06: // Push
    case 0x07: // ConfirmedPush
      return withCt(r.uintvar());
    case 0x60: // Post
    case 0x61: {
      const ul = r.uintvar();
      const hl = r.uintvar();
      r.bytes(ul);
      return withCt(hl);
    }
    default:
      if (type >= 0x40 && type <= 0x44) {
        r.bytes(r.uintvar());
        return [{ headers: r.rest() }];
      }
      return [];
  }
}

/** tshark's way of writing a date ('Nov 28, 2026 18:04:00 UTC'). */
function tsharkDate(httpDate: string): string {
  const d = new Date(httpDate);
  const mon = d.toUTCString().slice(8, 11);
  return `${mon} ${d.getUTCDate()}, ${d.getUTCFullYear()} ${d.toISOString().slice(11, 19)} UTC`;
}

function asTsharkLine(h: WspHeader): string {
  if (['Date', 'Expires', 'Last-Modified'].includes(h.name)) return `${h.name}: ${tsharkDate(h.value)}`;
  return `${h.name}: ${h.value}`;
}

/** WSP PDUs in a capture: connectionless ones on 9200/2948, WTP user data (SAR reassembled) on 9201/2949. */
function wspPdus(pcap: Buffer): { pdu: Buffer; withTid: boolean }[] {
  const out: { pdu: Buffer; withTid: boolean }[] = [];
  const sar = new Map<string, Map<number, Buffer>>();
  for (const d of udpDatagramsOf(pcap)) {
    const ports = [d.srcPort, d.dstPort];
    if (ports.includes(9200) || ports.includes(2948)) {
      out.push({ pdu: d.payload, withTid: true });
      continue;
    }
    if (!ports.includes(9201) && !ports.includes(2949)) continue;
    for (const p of decodeWtpDatagram(d.payload) as WtpPdu[]) {
      if (!('data' in p) || p.data.length === 0) continue;
      const key = `${d.src}:${d.srcPort}>${p.tid}:${p.type.includes('Invoke') ? 'i' : 'r'}`;
      const segs = sar.get(key) ?? new Map<number, Buffer>();
      sar.set(key, segs);
      segs.set('psn' in p ? p.psn : 0, p.data);
      if ('ttr' in p && p.ttr) {
        const psns = [...segs.keys()].sort((a, b) => a - b);
        out.push({ pdu: Buffer.concat(psns.map((n) => segs.get(n)!)), withTid: false });
        sar.delete(key);
      }
    }
  }
  return out;
}

/** Whether the block carries the field by its text name (an application header) rather than by code. */
function isWellKnownIn(block: Buffer, h: WspHeader): boolean {
  return !block.includes(Buffer.from(`${h.name}\0`, 'latin1'));
}

function checkBlock(b: Block): WspHeader[] {
  const hs = decodeHeaders(new Reader(b.headers));
  expect(decodeHeaders(new Reader(encodeHeaders(hs)))).toEqual(hs);
  // Byte for byte, except where a peer sent a well-known field as text (Kannel's textual
  // `Encoding-Version: 1.2`), which we re-encode with its well-known code.
  const textual = hs.some((h) => !h.raw && FIELD_NAMES.code(h.name) !== undefined && !isWellKnownIn(b.headers, h));
  if (!textual) expect(encodeHeaders(hs).toString('hex')).toBe(b.headers.toString('hex'));
  const out = [...hs];
  if (b.contentType) {
    const ct = readContentType(new Reader(b.contentType));
    const w = new Writer(32);
    writeContentType(w, ct);
    expect(readContentType(new Reader(w.finish()))).toEqual(ct);
    out.unshift({ name: 'Content-Type', value: formatContentType(ct) });
  }
  return out;
}

describe.skipIf(!sharedAvailable())('header blocks in Kannel captures', () => {
  const dir = join(SHARED_DIR, 'captures', 'kannel');
  const files = readdirSync(dir).filter((f) => f.endsWith('.pcap'));
  it('has the captures', () => expect(files.length).toBeGreaterThanOrEqual(5));
  for (const f of files) {
    it(f, () => {
      const pdus = wspPdus(readFileSync(join(dir, f)));
      const ours = new Set<string>();
      for (const { pdu, withTid } of pdus) for (const b of headerBlocks(pdu, withTid)) for (const h of checkBlock(b)) ours.add(asTsharkLine(h));
      // Every top-level header tshark printed (the line after "Header name:") is one we decoded the same way.
      const txt = readFileSync(join(dir, f.replace(/\.pcap$/, '.txt')), 'latin1').split('\n');
      const theirs = txt
        .flatMap((l, i) => (/Header name:/.test(l) ? [txt[i + 1]!] : []))
        .filter((l) => /^ {4,8}\S/.test(l))
        .map((l) => l.trim());
      // (Content-Type lines also come from the MMS bodies tshark dissects: compare ours against theirs instead.)
      for (const line of theirs.filter((l) => !l.startsWith('Content-Type:'))) expect([...ours], f).toContain(line);
      const theirTypes = txt.filter((l) => /^\s+Content-Type: /.test(l)).map((l) => l.trim());
      for (const line of [...ours].filter((l) => l.startsWith('Content-Type:'))) expect(theirTypes, f).toContain(line);
      expect(ours.size).toBeGreaterThan(0);
    });
  }
});

describe.skipIf(!sharedAvailable())('header blocks in real WAP Push PDUs', () => {
  const dir = join(SHARED_DIR, 'captures', 'wap-push');
  const files = readdirSync(dir).filter((f) => f.endsWith('.wsp'));
  const expected: Record<string, WspHeader[]> = {
    'nuntium_KPN-NL-ContentLength.wsp': [
      { name: 'Content-Type', value: 'application/vnd.wap.mms-message' },
      { name: 'Content-Length', value: '112' },
      { name: 'X-Wap-Application-Id', value: 'x-wap-application:mms.ua' },
      { name: 'Push-Flag', value: '4' },
    ],
  };
  for (const f of files) {
    it(f, () => {
      const pdu = readFileSync(join(dir, f));
      const blocks = headerBlocks(pdu, true);
      expect(blocks).toHaveLength(1);
      const hs = checkBlock(blocks[0]!);
      if (expected[f]) expect(hs).toEqual(expected[f]);
      expect(hs[0]!.name).toBe('Content-Type');
    });
  }
});
