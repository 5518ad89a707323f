/**
 * What the fuzzer sends where: one entry per listener of `wapgate serve`. Adding a listener is one entry —
 * its serve flag, UDP or TCP, a share of the inputs, and how to make one input (datagrams for UDP, the octets
 * of one TCP connection for HTTP). Seeds are real traffic (../shared/captures, captures/) where it exists.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { udpDatagramsOf } from '../trace/pcap-read.ts';
import { encodeWtpPdu } from '../wtp/pdu.ts';
import { clInput, mmsPdu, wtpInput } from './generate.ts';
import { mutate } from './mutate.ts';
import type { Rng } from './rng.ts';
import { ROOT } from './serve.ts';

export interface Seeds {
  cl: Buffer[];
  co: Buffer[];
  mms: Buffer[];
}

export interface FuzzTarget {
  name: string;
  transport: 'udp' | 'tcp';
  /** serve flags turning this listener on at `port`. */
  flags(port: number, ctx: TargetContext): string[];
  /** Share of the inputs (relative). */
  weight: number;
  /** A listener another room adds: skipped (and reported) when this serve does not know its flag. */
  optional?: boolean;
  /** One input: the datagrams (UDP) or the octets of one connection (TCP). */
  input(rng: Rng, seeds: Seeds, ctx: TargetContext): Buffer[];
}

export interface TargetContext {
  radiusSecret: string;
  /** Ports by target name. */
  ports: Record<string, number>;
}

// ---- seeds ----

export const SHARED_CAPTURES = join(ROOT, '..', 'shared', 'captures');

function files(dir: string, ext: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(ext)).sort().map((f) => join(dir, f)) : [];
}

/** Real PDUs: WSP/WTP datagrams from Kannel's and our captures by port, WAP Push, the Nokia Connect, MMS bodies. */
export function loadSeeds(): Seeds {
  const s: Seeds = { cl: [], co: [], mms: [] };
  for (const f of [...files(join(SHARED_CAPTURES, 'kannel'), '.pcap'), ...files(join(ROOT, 'captures'), '.pcap')]) {
    for (const d of udpDatagramsOf(readFileSync(f))) {
      if (d.dstPort === 9200 || d.srcPort === 9200) s.cl.push(d.payload);
      else if (d.dstPort === 9201 || d.srcPort === 9201) s.co.push(d.payload);
    }
  }
  for (const f of files(join(SHARED_CAPTURES, 'wap-push'), '.wsp')) s.cl.push(readFileSync(f));
  for (const f of files(join(SHARED_CAPTURES, 'wsp'), '.bin')) {
    const connect = readFileSync(f);
    s.co.push(encodeWtpPdu({ type: 'Invoke', tid: 1, tidResponse: false, rid: false, gtr: false, ttr: true, version: 0, tidNew: false, uack: true, class: 2, tpis: [], data: connect }));
  }
  // MMS seeds up to 16 KiB (the big m-retrieve-confs are pictures: their headers and part framing are what count,
  // and a copy per mutation of 100 KiB would slow the round ten times).
  for (const f of files(join(SHARED_CAPTURES, 'mms'), '.mms')) {
    const b = readFileSync(f);
    s.mms.push(b.length <= 16_384 ? b : b.subarray(0, 16_384));
  }
  if (s.cl.length === 0) s.cl.push(Buffer.from('01400e687474703a2f2f782f6d6d7300', 'hex'));
  if (s.co.length === 0) s.co.push(Buffer.from('0a8001120110040004808008008080a9667a00', 'hex'));
  return s;
}

// ---- HTTP inputs ----

function http(method: string, path: string, headers: string[], body: Buffer = Buffer.alloc(0)): Buffer {
  const head = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...headers, ...(body.length ? [`Content-Length: ${body.length}`] : []), 'Connection: close', '', ''].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** HTTP-level edges every HTTP listener gets: bad framing, huge headers, chunked oddities, partial requests. */
function httpEdges(rng: Rng, method: string, path: string): Buffer {
  switch (rng.int(7)) {
    case 0:
      return http(method, path, [`X-Big: ${'a'.repeat(rng.pick([100, 9000, 70_000]))}`]);
    case 1:
      return Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${rng.pick(['fffffff', 'zz', '5\r\nabc', '0\r\n'])}\r\n`, 'latin1');
    case 2:
      return Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${rng.pick(['-1', '99999999999', '10', 'abc'])}\r\n\r\nshort`, 'latin1');
    case 3:
      return Buffer.from(`${method} ${path}`, 'latin1'); // partial request line, then close
    case 4:
      return Buffer.from(`${rng.pick(['GET', 'POST', 'PUT', 'X'])} ${rng.pick(['/' + '%'.repeat(300), '*', 'http://evil/', '/..%2f..%2fetc/passwd'])} HTTP/1.${rng.int(3)}\r\n\r\n`, 'latin1');
    case 5:
      return Buffer.concat(Array.from({ length: rng.range(2, 20) }, () => http('GET', path, [])));
    default:
      return rng.bytes(rng.range(1, 200));
  }
}

const PAP_BOUNDARY = 'fuzzboundary';
function papRequest(rng: Rng, pushId: string): Buffer {
  const control =
    '<?xml version="1.0"?>\r\n<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">\r\n' +
    `<pap><push-message push-id="${pushId}"><address address-value="WAPPUSH=127.0.0.${rng.range(2, 9)}/TYPE=IPv4@ppg.example"/>` +
    `<quality-of-service delivery-method="${rng.pick(['unconfirmed', 'confirmed', 'notspecified'])}"/></push-message></pap>`;
  const content = rng.chance(0.5)
    ? 'Content-Type: text/vnd.wap.si\r\n\r\n<?xml version="1.0"?><!DOCTYPE si PUBLIC "-//WAPFORUM//DTD SI 1.0//EN" "http://www.wapforum.org/DTD/si.dtd"><si><indication href="http://x/" action="signal-high">Hi</indication></si>'
    : 'Content-Type: application/vnd.wap.mms-message\r\n\r\n';
  const body = Buffer.from(`--${PAP_BOUNDARY}\r\nContent-Type: application/xml\r\n\r\n${control}\r\n--${PAP_BOUNDARY}\r\n${content}\r\n--${PAP_BOUNDARY}--\r\n`, 'latin1');
  return body;
}

// ---- RADIUS (RFC 2866 Accounting-Request, signed so mutations of attributes get past the authenticator) ----

export function radiusAccounting(rng: Rng, secret: string, attrs?: Buffer, status?: number): Buffer {
  const a =
    attrs ??
    Buffer.concat([
      Buffer.from([40, 6, 0, 0, 0, status ?? rng.pick([1, 2, 3, 7, 8, 99])]), // Acct-Status-Type
      Buffer.from([8, 6, 127, 0, 0, rng.range(2, 250)]), // Framed-IP-Address
      Buffer.concat([Buffer.from([31, 2 + 12]), Buffer.from(`+1555${String(rng.int(1e8)).padStart(8, '0')}`.slice(0, 12))]), // Calling-Station-Id
      Buffer.concat([Buffer.from([44, 2 + 8]), Buffer.from(rng.bytes(4).toString('hex'))]), // Acct-Session-Id
    ]);
  const head = Buffer.from([4, rng.int(256), 0, 0]);
  head.writeUInt16BE(20 + a.length, 2);
  const auth = createHash('md5').update(Buffer.concat([head, Buffer.alloc(16), a, Buffer.from(secret)])).digest();
  return Buffer.concat([head, auth, a]);
}

// ---- the table ----

const half = (rng: Rng) => rng.chance(0.5);

export const TARGETS: FuzzTarget[] = [
  {
    name: 'cl',
    transport: 'udp',
    flags: (p) => ['--cl-port', String(p)],
    weight: 40,
    input: (rng, s) => (half(rng) ? [mutate(rng, rng.pick(s.cl), rng.pick(s.cl))] : clInput(rng, s.mms)),
  },
  {
    name: 'co',
    transport: 'udp',
    flags: (p) => ['--co-port', String(p)],
    weight: 50,
    input: (rng, s) => (half(rng) ? [mutate(rng, rng.pick(s.co), rng.pick(s.co))] : wtpInput(rng, s.mms)),
  },
  {
    name: 'radius',
    transport: 'udp',
    flags: (p, c) => ['--radius-port', String(p), '--radius-secret', c.radiusSecret, '--identity-radius-enabled'],
    weight: 4,
    input: (rng, _s, c) => {
      const good = radiusAccounting(rng, c.radiusSecret);
      if (half(rng)) return [mutate(rng, good, undefined, 4096)];
      return [radiusAccounting(rng, c.radiusSecret, mutate(rng, good.subarray(20), undefined, 4000))];
    },
  },
  {
    name: 'pap',
    transport: 'tcp',
    flags: (p) => ['--pap-port', String(p)],
    weight: 2,
    input: (rng) => {
      const body = papRequest(rng, `fuzz-${rng.u32()}`);
      const req = http('POST', '/wappush', [`Content-Type: multipart/related; boundary=${PAP_BOUNDARY}; type="application/xml"`], half(rng) ? mutate(rng, body, undefined) : body);
      return [rng.chance(0.7) ? req : httpEdges(rng, 'POST', '/wappush')];
    },
  },
  {
    name: 'admin',
    transport: 'tcp',
    flags: (p) => ['--admin-port', String(p)],
    weight: 1,
    input: (rng) => {
      const path = rng.pick(['/healthz', '/readyz', '/metrics', '/status', '/status?x=' + 'y'.repeat(rng.int(5000)), '/nope']);
      return [half(rng) ? mutate(rng, http('GET', path, []), undefined) : httpEdges(rng, 'GET', path)];
    },
  },
  {
    name: 'mmsc',
    transport: 'tcp',
    flags: (p) => ['--mmsc-port', String(p)],
    weight: 2,
    input: (rng, s) => {
      const pdu = mmsPdu(rng, s.mms);
      return [rng.chance(0.8) ? http('POST', '/mms', ['Content-Type: application/vnd.wap.mms-message', 'X-Wap-Profile: "http://x/p.xml"'], pdu) : httpEdges(rng, 'POST', '/mms')];
    },
  },
  {
    // Engineer C's Kannel-compatible sendsms interface (issue 14), when this serve has it.
    name: 'sendsms',
    transport: 'tcp',
    optional: true,
    flags: (p) => ['--sendsms-port', String(p), '--sendsms-user', 'fuzz', '--sendsms-password', 'fuzz-password'],
    weight: 1,
    input: (rng) => {
      const q = `username=fuzz&password=${rng.pick(['x', '', '%00'])}&to=${rng.pick(['%2B15550000002', '', 'x'.repeat(300)])}&text=${'h'.repeat(rng.int(2000))}&udh=${rng.bytes(rng.int(8)).toString('hex')}`;
      const req = http('GET', `/cgi-bin/sendsms?${q}`, []);
      return [half(rng) ? mutate(rng, req, undefined) : httpEdges(rng, 'GET', '/cgi-bin/sendsms')];
    },
  },
];
