/**
 * src/trace/pcap-read.ts against Wireshark's tools: files written by editcap and text2pcap (pcap µs/ns,
 * pcapng, every supported link type) and Kannel's real pcapng captures are read, and every datagram
 * (addresses, ports, payload, time) must equal what tshark reads in the same file.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { captureFormat, readUdpDatagrams, udpDatagramsOf, type CapturedDatagram } from '../../src/trace/pcap-read.ts';
import { exportedPduPcap, ipUdpPacket, pcapHeader, pcapRecord, udpPcap } from '../../src/trace/pcap.ts';
import { DecodeErrorCode, WapDecodeError } from '../../src/wire/errors.ts';
import { SHARED_DIR, sharedAvailable, tempDir, toolAvailable } from '../support/tools.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

interface Seen {
  frame: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  payload: string;
  /** µs since the epoch */
  us: number;
}

/** What tshark reads: one row per UDP frame. */
function tsharkUdp(file: string): Seen[] {
  const out = execFileSync('tshark', ['-r', file, '-n', '-Y', 'udp', '-T', 'fields', '-E', 'separator=|', '-e', 'frame.number', '-e', 'frame.time_epoch',
    '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'udp.srcport', '-e', 'ip.dst', '-e', 'ipv6.dst', '-e', 'udp.dstport', '-e', 'udp.payload',
    '-o', 'udp.try_heuristic_first:FALSE'], { maxBuffer: 64 * 1024 * 1024 }).toString();
  return out
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [frame, t, s4, s6, sp, d4, d6, dp, payload] = l.split('|');
      const [sec, frac = '0'] = t!.split('.');
      return {
        frame: Number(frame),
        src: s4 || s6!,
        srcPort: Number(sp),
        dst: d4 || d6!,
        dstPort: Number(dp),
        payload: payload!.replace(/:/g, ''),
        us: Number(sec) * 1e6 + Math.floor(Number(frac.padEnd(9, '0')) / 1000),
      };
    });
}

function ours(buf: Buffer): Seen[] {
  return udpDatagramsOf(buf).map((d: CapturedDatagram) => ({
    frame: d.frame,
    src: d.src,
    srcPort: d.srcPort,
    dst: d.dst,
    dstPort: d.dstPort,
    payload: d.payload.toString('hex'),
    us: Math.round(d.time * 1000),
  }));
}

function expectSame(file: string): Seen[] {
  const a = ours(readFileSync(file));
  const b = tsharkUdp(file);
  expect(a.length).toBeGreaterThan(0);
  // time: within a microsecond of tshark's reading (our time is a float in ms)
  expect(a.map((x) => ({ ...x, us: 0 }))).toEqual(b.map((x) => ({ ...x, us: 0 })));
  a.forEach((x, i) => expect(Math.abs(x.us - b[i]!.us), `frame ${x.frame} time`).toBeLessThanOrEqual(1));
  return a;
}

/** `od -Ax -tx1` style text for text2pcap, one frame after another (offset 0 starts a frame). */
function hexdump(frames: Buffer[]): string {
  const lines: string[] = [];
  for (const f of frames) {
    for (let o = 0; o < f.length; o += 16) {
      lines.push(`${o.toString(16).padStart(6, '0')} ${[...f.subarray(o, o + 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`);
    }
    lines.push('');
  }
  return lines.join('\n') + '\n';
}

function text2pcap(frames: Buffer[], args: string[]): string {
  const dir = tempDir('wapgate-pcapread-');
  const input = join(dir, 'in.txt');
  const out = join(dir, args.includes('-n') ? 'out.pcapng' : 'out.pcap');
  writeFileSync(input, hexdump(frames));
  execFileSync('text2pcap', ['-q', ...args, input, out]);
  return out;
}

const v4 = { src: '10.1.2.3', srcPort: 40001, dst: '10.9.8.7', dstPort: 9200 };
const v6 = { src: '2001:db8::1', srcPort: 40002, dst: 'fe80::2', dstPort: 9201 };
const payloadA = hex('01 40 0b 687474703a2f2f612e622f');
const payloadB = hex('0a 0001 12 01100a00');
const ip4 = ipUdpPacket({ ...v4, payload: payloadA });
const ip6 = ipUdpPacket({ ...v6, payload: payloadB });

const ethernet = (type: number, ip: Buffer, vlan = false): Buffer =>
  Buffer.concat([hex('020000000001 020000000002'), vlan ? hex('8100 0064') : Buffer.alloc(0), Buffer.from([type >> 8, type & 0xff]), ip]);
const sll = (type: number, ip: Buffer): Buffer => Buffer.concat([hex('0000 0304 0006 020000000001 0000'), Buffer.from([type >> 8, type & 0xff]), ip]);
const sll2 = (type: number, ip: Buffer): Buffer => Buffer.concat([Buffer.from([type >> 8, type & 0xff]), hex('0000 00000001 0304 00 06 020000000001 0000'), ip]);
const nullHdr = (family: number, ip: Buffer): Buffer => {
  const h = Buffer.alloc(4);
  h.writeUInt32LE(family);
  return Buffer.concat([h, ip]);
};

describe.skipIf(!toolAvailable('tshark') || !toolAvailable('text2pcap') || !toolAvailable('editcap'))('pcap-read agrees with tshark', () => {
  describe.skipIf(!sharedAvailable())('Kannel captures (pcapng, Ethernet) and editcap conversions', () => {
    const files = sharedAvailable() ? ['kannel-fakewap-cl.pcap', 'kannel-fakewap-co-sar.pcap', 'kannel-ppg-ip-push.pcap'] : [];
    for (const f of files) {
      it(f, () => {
        const src = join(SHARED_DIR, 'captures', 'kannel', f);
        expect(captureFormat(readFileSync(src))).toBe('pcapng');
        const base = expectSame(src);
        if (f !== 'kannel-fakewap-cl.pcap') return; // one file is enough for the format conversions
        const dir = tempDir('wapgate-editcap-');
        for (const fmt of ['pcap', 'nsecpcap']) {
          const out = join(dir, `${fmt}.pcap`);
          execFileSync('editcap', ['-F', fmt, src, out]);
          expect(captureFormat(readFileSync(out))).toBe('pcap');
          expect(expectSame(out).map((x) => x.payload)).toEqual(base.map((x) => x.payload));
        }
      });
    }
  });

  it.each([
    ['Ethernet (text2pcap -e), pcap', [ethernet(0x0800, ip4), ethernet(0x86dd, ip6)], ['-l', '1']],
    ['Ethernet with an 802.1Q tag, pcapng', [ethernet(0x0800, ip4, true), ethernet(0x86dd, ip6, true)], ['-n', '-l', '1']],
    ['RAW (101)', [ip4, ip6], ['-l', '101']],
    ['IPv4 (228)', [ip4], ['-l', '228']],
    ['IPv6 (229)', [ip6], ['-l', '229']],
    ['Linux SLL (113)', [sll(0x0800, ip4), sll(0x86dd, ip6)], ['-l', '113']],
    ['Linux SLL2 (276), pcapng', [sll2(0x0800, ip4), sll2(0x86dd, ip6)], ['-n', '-l', '276']],
    ['BSD loopback (0)', [nullHdr(2, ip4), nullHdr(24, ip6)], ['-l', '0']],
  ])('%s', (_name, frames, args) => {
    const file = text2pcap(frames as Buffer[], args as string[]);
    const got = expectSame(file);
    expect(got.map((g) => g.payload)).toEqual((frames as Buffer[]).map((f) => (f.includes(ip6) ? payloadB : payloadA).toString('hex')));
  });

  it('text2pcap dummy headers (-4/-6 -u) in pcap and pcapng', () => {
    expectSame(text2pcap([payloadA], ['-e', '0x800', '-4', '10.0.0.1,10.0.0.2', '-u', '1234,9200']));
    expectSame(text2pcap([payloadB], ['-n', '-6', '2001:db8::1,2001:db8::2', '-u', '1234,9201']));
  });

  it('pcapng Simple Packet Blocks, big-endian section (built here) read as tshark reads them', () => {
    const block = (type: number, body: Buffer): Buffer => {
      const pad = (4 - (body.length % 4)) % 4;
      const len = 12 + body.length + pad;
      const b = Buffer.alloc(len);
      b.writeUInt32BE(type, 0);
      b.writeUInt32BE(len, 4);
      body.copy(b, 8);
      b.writeUInt32BE(len, len - 4);
      return b;
    };
    const spb = (p: Buffer): Buffer => {
      const body = Buffer.alloc(4 + p.length);
      body.writeUInt32BE(p.length, 0);
      p.copy(body, 4);
      return block(3, body);
    };
    const file = join(tempDir('wapgate-spb-'), 'spb.pcapng');
    writeFileSync(
      file,
      Buffer.concat([
        block(0x0a0d0d0a, hex('1a2b3c4d 0001 0000 ffffffffffffffff')), // SHB, big-endian
        block(1, hex('0065 0000 00000000')), // IDB: LINKTYPE_RAW, no snaplen
        spb(ip4),
        spb(ip6),
      ]),
    );
    const a = ours(readFileSync(file));
    const b = tsharkUdp(file);
    expect(a.map((x) => ({ ...x, us: 0 }))).toEqual(b.map((x) => ({ ...x, us: 0 })));
    expect(a.map((x) => x.payload)).toEqual([payloadA.toString('hex'), payloadB.toString('hex')]);
  });

  it('a big-endian pcap with ns timestamps (built here) reads as tshark reads it', () => {
    const le = udpPcap([{ ...v4, payload: payloadA, time: 1_700_000_000_123.456 }]);
    const be = Buffer.from(le);
    be.writeUInt32BE(0xa1b23c4d, 0); // ns magic, big-endian
    be.writeUInt16BE(2, 4);
    be.writeUInt16BE(4, 6);
    be.writeUInt32BE(le.readUInt32LE(16), 16);
    be.writeUInt32BE(le.readUInt32LE(20), 20);
    be.writeUInt32BE(1_700_000_000, 24);
    be.writeUInt32BE(123_456_789, 28);
    be.writeUInt32BE(le.readUInt32LE(32), 32);
    be.writeUInt32BE(le.readUInt32LE(36), 36);
    const file = join(tempDir('wapgate-be-'), 'be.pcap');
    writeFileSync(file, be);
    const got = expectSame(file);
    expect(Math.abs(got[0]!.us - 1_700_000_000_123_457)).toBeLessThanOrEqual(1);
    const first = [...readUdpDatagrams(be)][0]!;
    expect(first.time).toBeCloseTo(1_700_000_000_123.456789, 3);
  });
});

describe('pcap-read on its own', () => {
  it('skips IPv4 fragments, IPv6 fragments and non-UDP cleanly', () => {
    const frag = Buffer.from(ip4);
    frag.writeUInt16BE(0x2000, 6); // MF
    const tcp = Buffer.from(ip4);
    tcp[9] = 6;
    const ip6frag = Buffer.concat([Buffer.from(ip6.subarray(0, 40)), hex('11 00 0001 00000001'), ip6.subarray(40)]);
    ip6frag[6] = 44;
    ip6frag.writeUInt16BE(ip6frag.length - 40, 4);
    const atomic = Buffer.from(ip6frag);
    atomic.writeUInt16BE(0, 42);
    const pcap = Buffer.concat([pcapHeader(101), ...[frag, tcp, ip6frag, atomic, ip4].map((p, i) => pcapRecord(p, i))]);
    const items = [...readUdpDatagrams(pcap)];
    expect(items.map((i) => (i.kind === 'skip' ? i.reason : 'udp'))).toEqual(['IPv4 fragment', 'IP protocol 6 is not UDP', 'IPv6 fragment', 'udp', 'udp']);
    expect((items[3] as CapturedDatagram).payload.equals(payloadB)).toBe(true);
  });

  it('reads exported-PDU records with the dissector they name', () => {
    const [d] = udpDatagramsOf(exportedPduPcap([payloadA], 'wsp-cl'));
    expect(d).toMatchObject({ dissector: 'wsp-cl', srcPort: 0, dstPort: 0 });
    expect(d!.payload.equals(payloadA)).toBe(true);
  });

  it.each([
    ['unknown magic', hex('00112233'), DecodeErrorCode.VALUE, 0],
    ['short pcap header', hex('d4c3b2a1 0200'), DecodeErrorCode.TRUNCATED, 0],
    ['record past the end', Buffer.concat([pcapHeader(101), hex('00000000 00000000 ff000000 ff000000 00')]), DecodeErrorCode.TRUNCATED, 24],
    ['pcapng bad byte-order magic', hex('0a0d0d0a 1c000000 11223344 0100 0000 ffffffffffffffff 1c000000'), DecodeErrorCode.VALUE, 8],
    ['pcapng trailing length differs', hex('0a0d0d0a 1c000000 4d3c2b1a 0100 0000 ffffffffffffffff 20000000'), DecodeErrorCode.VALUE, 24],
    ['pcapng block past the end', hex('0a0d0d0a 00010000 4d3c2b1a 0100 0000'), DecodeErrorCode.TRUNCATED, 4],
    ['pcapng packet for an undeclared interface', hex('0a0d0d0a 1c000000 4d3c2b1a 0100 0000 ffffffffffffffff 1c000000 06000000 20000000 00000000 00000000 00000000 00000000 00000000 20000000'), DecodeErrorCode.VALUE, 36],
  ])('error: %s', (_n, buf, code, offset) => {
    try {
      udpDatagramsOf(buf);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(WapDecodeError);
      expect((e as WapDecodeError).code).toBe(code);
      expect((e as WapDecodeError).offset).toBe(offset);
    }
  });

  it('arbitrary octets after a pcap or pcapng header → datagrams, skips or a WapDecodeError', () => {
    const heads = [pcapHeader(1), pcapHeader(101), pcapHeader(113), pcapHeader(252), hex('0a0d0d0a 1c000000 4d3c2b1a 0100 0000 ffffffffffffffff 1c000000 01000000 14000000 0100 0000 00000400 14000000')];
    fc.assert(
      fc.property(fc.nat(heads.length - 1), fc.uint8Array({ maxLength: 300 }), (i, a) => {
        try {
          for (const _ of readUdpDatagrams(Buffer.concat([heads[i]!, a]))) void _;
        } catch (e) {
          if (!(e instanceof WapDecodeError)) throw e;
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('arbitrary frames inside valid records → datagrams or skips, never an error', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 101, 113, 228, 229, 252, 276), fc.array(fc.uint8Array({ maxLength: 120 }), { maxLength: 5 }), (lt, frames) => {
        const pcap = Buffer.concat([pcapHeader(lt), ...frames.map((f, i) => pcapRecord(f, i))]);
        expect([...readUdpDatagrams(pcap)]).toHaveLength(frames.length);
      }),
      { numRuns: 3000 },
    );
  });
});
