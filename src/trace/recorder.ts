/**
 * `wapgate serve --trace-pcap FILE`: every datagram in and out (all UDP ports: 9200, 9201, push 2948/2949,
 * RADIUS) and every HTTP exchange with the upstream, written as one classic pcap (LINKTYPE_RAW: IPv4/IPv6
 * packets) that Wireshark and tshark open and dissect: datagrams as UDP on their real ports (WSP/WTP are
 * dissected on 9200/9201/2948/2949), HTTP exchanges as a synthetic TCP connection (handshake, request
 * segments, response segments, FIN) on the upstream's real port, which Wireshark's HTTP dissector reads by port
 * or by its TCP heuristic.
 *
 * Files rotate by size (FILE → FILE.1 → FILE.2 ..., `keep` old files). A TraceHub fans one tap out to the
 * main recorder and to per-session recorders started on demand through the admin listener (filtered by the
 * handset's address).
 *
 * The upstream side can also be recorded by src/trace/http-interceptor.ts (an undici interceptor).
 *
 * What the gateway calls (a `PacketTap`): `tap.datagram({...})` for each UDP datagram, `tap.http({...})` once an
 * upstream exchange is over. Both are synchronous and cheap when no recorder is active (`tap.active`).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { dirname, join } from 'node:path';
import {
  ipTcpPacket,
  ipUdpPacket,
  LINKTYPE_RAW,
  pcapHeader,
  pcapRecord,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_SYN,
  type TcpSegment,
} from './pcap.ts';

export interface Endpoint {
  address: string;
  port: number;
}

export interface TapDatagram {
  /** 'in' = received by wapgate from `remote`; 'out' = sent by wapgate to `remote`. */
  direction: 'in' | 'out';
  /** wapgate's socket (its bind address and port). */
  local: Endpoint;
  /** The handset, GGSN or other peer. */
  remote: Endpoint;
  payload: Uint8Array;
  /** ms since the epoch (fractions allowed); default: now. */
  time?: number;
}

export type HeaderList = Record<string, string | string[] | undefined> | [string, string][];

export interface HttpExchange {
  /** wapgate's side of the connection (its address; the port is invented when absent). */
  client: { address: string; port?: number };
  /** The upstream server. */
  server: Endpoint;
  /** The handset on whose behalf this was fetched (used by per-session traces to select exchanges). */
  handset?: Endpoint;
  request: { method: string; target: string; headers: HeaderList; body?: Uint8Array };
  /** Absent when the upstream never answered (refused, timeout, reset). */
  response?: { status: number; reason?: string; headers: HeaderList; body?: Uint8Array };
  start: number;
  end: number;
}

export interface PacketTap {
  /** False when nothing records: callers may skip building arguments. */
  readonly active: boolean;
  datagram(d: TapDatagram): void;
  http(x: HttpExchange): void;
}

export const NULL_TAP: PacketTap = { active: false, datagram() {}, http() {} };

export interface RecorderOptions {
  file: string;
  /** Rotate when the file would exceed this many octets (0 = never). */
  rotateSize?: number;
  /** Rotated files kept (FILE.1 ... FILE.keep). */
  keep?: number;
  /** HTTP bodies beyond this are cut (the Content-Length is adjusted and the cut is noted in a header). */
  maxHttpBody?: number;
  /** Clock for default timestamps (ms since the epoch). */
  now?: () => number;
  /** Only packets for which this returns true are written. */
  filter?: (remote: Endpoint) => boolean;
}

const MSS = 1460;
export const nowMs = () => performance.timeOrigin + performance.now();

/** IPv4-mapped IPv6 addresses (::ffff:1.2.3.4, as dgram reports them on dual-stack sockets) → plain IPv4. */
export function plainAddress(a: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return m ? m[1]! : a.replace(/%.*$/, '');
}

/** Makes the two addresses one family, as an IP packet needs. */
function pairAddresses(a: string, b: string): [string, string] {
  let x = plainAddress(a);
  let y = plainAddress(b);
  if (isIPv4(x) && isIPv6(y)) x = x === '0.0.0.0' ? '::' : `::ffff:${x}`;
  if (isIPv6(x) && isIPv4(y)) {
    if (x === '::' || x === '::1') x = x === '::' ? '0.0.0.0' : '127.0.0.1';
    else y = `::ffff:${y}`;
  }
  // ipUdpPacket/ipTcpPacket write mapped IPv6 addresses only in full hex form
  const hex = (s: string) =>
    s.replace(/^::ffff:(\d+)\.(\d+)\.(\d+)\.(\d+)$/i, (_, a1, a2, a3, a4) => {
      const n = [a1, a2, a3, a4].map(Number);
      return `::ffff:${((n[0]! << 8) | n[1]!).toString(16)}:${((n[2]! << 8) | n[3]!).toString(16)}`;
    });
  return [hex(x), hex(y)];
}

export function headerLines(h: HeaderList): [string, string][] {
  if (Array.isArray(h)) return h;
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) out.push([k, one]);
  }
  return out;
}

/**
 * HTTP/1.1 message bytes as they would have crossed the wire for the recorded headers and body: transfer
 * framing normalised to Content-Length (bodies reach us de-chunked), bodies beyond `max` cut with a note.
 */
export function httpMessage(startLine: string, headers: HeaderList, body: Uint8Array | undefined, max: number, bodyAllowed: boolean): Buffer {
  const lines = headerLines(headers).filter(([k]) => !/^(content-length|transfer-encoding)$/i.test(k));
  let b = body ?? new Uint8Array(0);
  const notes: string[] = [];
  if (b.length > max) {
    notes.push(`body cut from ${b.length} to ${max} octets`);
    b = b.subarray(0, max);
  }
  if (bodyAllowed) lines.push(['Content-Length', String(b.length)]);
  for (const n of notes) lines.push(['X-Wapgate-Trace', n]);
  const head = [startLine, ...lines.map(([k, v]) => `${k}: ${v.replace(/[\r\n]+/g, ' ')}`), '', ''].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), bodyAllowed ? b : new Uint8Array(0)]);
}

const REASONS: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 206: 'Partial Content', 301: 'Moved Permanently',
  302: 'Found', 303: 'See Other', 304: 'Not Modified', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 408: 'Request Timeout', 409: 'Conflict', 410: 'Gone', 411: 'Length Required',
  413: 'Content Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type', 429: 'Too Many Requests',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Gateway Timeout', 505: 'HTTP Version Not Supported',
};

/** Writes one pcap file, rotating by size. Synchronous writes: ordering is exact and nothing is lost on exit. */
export class PcapRecorder implements PacketTap {
  readonly active = true;
  readonly file: string;
  readonly #rotateSize: number;
  readonly #keep: number;
  readonly #maxBody: number;
  readonly #now: () => number;
  readonly #filter?: (remote: Endpoint) => boolean;
  #fd: number | undefined;
  #size = 0;
  #nextPort = 40_000;
  #isn = 1_000;
  /** Octets and packets written since the recorder started (all files). */
  bytes = 0;
  packets = 0;
  rotations = 0;

  constructor(opts: RecorderOptions) {
    this.file = opts.file;
    this.#rotateSize = opts.rotateSize ?? 0;
    this.#keep = Math.max(1, opts.keep ?? 5);
    this.#maxBody = opts.maxHttpBody ?? 2_097_152;
    this.#now = opts.now ?? nowMs;
    this.#filter = opts.filter;
    mkdirSync(dirname(this.file), { recursive: true });
    this.#open();
  }

  #open(): void {
    this.#fd = openSync(this.file, 'w');
    const h = pcapHeader(LINKTYPE_RAW);
    writeSync(this.#fd, h);
    this.#size = h.length;
    this.bytes += h.length;
  }

  #rotate(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    const old = (i: number) => `${this.file}.${i}`;
    if (existsSync(old(this.#keep))) rmSync(old(this.#keep));
    for (let i = this.#keep - 1; i >= 1; i--) if (existsSync(old(i))) renameSync(old(i), old(i + 1));
    renameSync(this.file, old(1));
    this.rotations++;
    this.#open();
  }

  #write(packet: Buffer, time: number): void {
    if (this.#fd === undefined) return;
    const rec = pcapRecord(packet, time);
    if (this.#rotateSize > 0 && this.#size + rec.length > this.#rotateSize && this.#size > 24) this.#rotate();
    writeSync(this.#fd!, rec);
    this.#size += rec.length;
    this.bytes += rec.length;
    this.packets++;
  }

  datagram(d: TapDatagram): void {
    if (this.#filter && !this.#filter(d.remote)) return;
    const [local, remote] = pairAddresses(d.local.address, d.remote.address);
    const from = d.direction === 'in' ? { a: remote, p: d.remote.port } : { a: local, p: d.local.port };
    const to = d.direction === 'in' ? { a: local, p: d.local.port } : { a: remote, p: d.remote.port };
    // An IP packet holds at most 65535 octets; WTP/WSP datagrams are far below, but never write a lie.
    const payload = d.payload.length > 65_000 ? d.payload.subarray(0, 65_000) : d.payload;
    this.#write(ipUdpPacket({ src: from.a, srcPort: from.p, dst: to.a, dstPort: to.p, payload }), d.time ?? this.#now());
  }

  http(x: HttpExchange): void {
    if (this.#filter && (!x.handset || !this.#filter(x.handset))) return;
    const [c, s] = pairAddresses(x.client.address, x.server.address);
    const cport = x.client.port ?? this.#nextPort++;
    if (this.#nextPort > 60_999) this.#nextPort = 40_000;
    const sport = x.server.port;
    const req = httpMessage(
      `${x.request.method} ${x.request.target} HTTP/1.1`,
      x.request.headers,
      x.request.body,
      this.#maxBody,
      x.request.body !== undefined && x.request.body.length > 0 || /^(POST|PUT|PATCH)$/i.test(x.request.method),
    );
    const status = x.response?.status ?? 0;
    const res = x.response
      ? httpMessage(
          `HTTP/1.1 ${status} ${x.response.reason ?? REASONS[status] ?? 'Status'}`,
          x.response.headers,
          x.response.body,
          this.#maxBody,
          !(status < 200 || status === 204 || status === 304 || /^HEAD$/i.test(x.request.method)),
        )
      : undefined;
    // Sequence numbers: each direction starts at its own ISN; timestamps spread across [start, end].
    let cs = (this.#isn += 100_003) >>> 0;
    let ss = (cs * 7 + 13) >>> 0;
    const steps: { seg: Omit<TcpSegment, 'src' | 'dst' | 'srcPort' | 'dstPort'>; up: boolean }[] = [];
    const push = (up: boolean, flags: number, payload?: Uint8Array) => {
      steps.push({ up, seg: { seq: up ? cs : ss, ack: up ? ss : cs, flags, payload } });
      const adv = (payload?.length ?? 0) + (flags & (TCP_SYN | TCP_FIN) ? 1 : 0);
      if (up) cs = (cs + adv) >>> 0;
      else ss = (ss + adv) >>> 0;
    };
    push(true, TCP_SYN);
    push(false, TCP_SYN | TCP_ACK);
    push(true, TCP_ACK);
    for (let i = 0; i < req.length; i += MSS) push(true, TCP_ACK | TCP_PSH, req.subarray(i, i + MSS));
    if (res) {
      push(false, TCP_ACK);
      for (let i = 0; i < res.length; i += MSS) push(false, TCP_ACK | TCP_PSH, res.subarray(i, i + MSS));
      push(true, TCP_ACK);
    }
    push(true, TCP_FIN | TCP_ACK);
    push(false, TCP_FIN | TCP_ACK);
    push(true, TCP_ACK);
    const span = Math.max(0, x.end - x.start);
    steps.forEach((st, i) => {
      const t = x.start + (steps.length > 1 ? (span * i) / (steps.length - 1) : 0);
      this.#write(
        ipTcpPacket({
          ...st.seg,
          src: st.up ? c : s,
          srcPort: st.up ? cport : sport,
          dst: st.up ? s : c,
          dstPort: st.up ? sport : cport,
        }),
        t,
      );
    });
  }

  /** Size of the current file. */
  get size(): number {
    return this.#size;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

export interface SessionTraceInfo {
  id: string;
  client: string;
  port?: number;
  file: string;
  startedAt: string;
  packets: number;
  bytes: number;
  active: boolean;
  /** Why it stopped: 'request', 'limit', 'shutdown'. */
  stopped?: string;
}

export interface SessionTraceLimits {
  /** A per-session trace stops by itself after this many octets (default 50 MB). */
  maxBytes?: number;
  /** ... or after this long (default 1 hour). */
  maxDurationMs?: number;
}

/**
 * The one tap the gateway holds: writes to the main recorder (when `--trace-pcap` is set) and to each
 * per-session trace started through the admin listener.
 */
export class TraceHub implements PacketTap {
  #main: PcapRecorder | undefined;
  readonly #sessions = new Map<string, { rec: PcapRecorder; info: SessionTraceInfo; timer?: NodeJS.Timeout; maxBytes: number }>();
  readonly #dir: string;
  readonly #maxBody: number;
  readonly #now: () => number;

  constructor(opts: { main?: RecorderOptions; sessionDir: string; maxHttpBody?: number; now?: () => number }) {
    this.#dir = opts.sessionDir;
    this.#maxBody = opts.maxHttpBody ?? 2_097_152;
    this.#now = opts.now ?? nowMs;
    if (opts.main) this.#main = new PcapRecorder({ maxHttpBody: this.#maxBody, now: this.#now, ...opts.main });
  }

  get active(): boolean {
    return this.#main !== undefined || this.#sessions.size > 0;
  }

  get main(): PcapRecorder | undefined {
    return this.#main;
  }

  datagram(d: TapDatagram): void {
    this.#main?.datagram(d);
    for (const s of this.#sessions.values()) {
      s.rec.datagram(d);
      this.#check(s.info.id);
    }
  }

  http(x: HttpExchange): void {
    this.#main?.http(x);
    for (const s of this.#sessions.values()) {
      s.rec.http(x);
      this.#check(s.info.id);
    }
  }

  #check(id: string): void {
    const s = this.#sessions.get(id);
    if (!s) return;
    s.info.packets = s.rec.packets;
    s.info.bytes = s.rec.bytes;
    if (s.rec.bytes >= s.maxBytes) this.stopSession(id, 'limit');
  }

  /** Starts recording everything to and from one handset (IP, optionally one port) into its own pcap. */
  startSession(client: string, port?: number, limits: SessionTraceLimits = {}): SessionTraceInfo {
    const want = plainAddress(client);
    if (!isIPv4(want) && !isIPv6(want)) throw new TypeError(`not an IP address: ${client}`);
    const id = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    const file = join(this.#dir, `session-${want.replace(/[^0-9a-fA-F.]/g, '_')}-${id}.pcap`);
    const rec = new PcapRecorder({
      file,
      maxHttpBody: this.#maxBody,
      now: this.#now,
      filter: (r) => plainAddress(r.address) === want && (port === undefined || r.port === port),
    });
    const info: SessionTraceInfo = { id, client: want, port, file, startedAt: new Date().toISOString(), packets: 0, bytes: rec.bytes, active: true };
    const entry = { rec, info, maxBytes: limits.maxBytes ?? 50_000_000, timer: undefined as NodeJS.Timeout | undefined };
    entry.timer = setTimeout(() => this.stopSession(id, 'limit'), limits.maxDurationMs ?? 3_600_000);
    entry.timer.unref();
    this.#sessions.set(id, entry);
    this.#finished.delete(id);
    return { ...info };
  }

  readonly #finished = new Map<string, SessionTraceInfo>();

  stopSession(id: string, why = 'request'): SessionTraceInfo | undefined {
    const s = this.#sessions.get(id);
    if (!s) return this.#finished.get(id);
    clearTimeout(s.timer);
    s.rec.close();
    this.#sessions.delete(id);
    const info = { ...s.info, packets: s.rec.packets, bytes: s.rec.bytes, active: false, stopped: why };
    this.#finished.set(id, info);
    while (this.#finished.size > 100) this.#finished.delete(this.#finished.keys().next().value!);
    return info;
  }

  listSessions(): SessionTraceInfo[] {
    const live = [...this.#sessions.values()].map((s) => ({ ...s.info, packets: s.rec.packets, bytes: s.rec.bytes }));
    return [...live, ...this.#finished.values()];
  }

  session(id: string): SessionTraceInfo | undefined {
    const s = this.#sessions.get(id);
    return s ? { ...s.info, packets: s.rec.packets, bytes: s.rec.bytes } : this.#finished.get(id);
  }

  close(): void {
    for (const id of [...this.#sessions.keys()]) this.stopSession(id, 'shutdown');
    this.#main?.close();
    this.#main = undefined;
  }
}

/** Current size of a file, 0 when it does not exist. */
export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * The gateway's datagram tap shape (src/bearer/udp.ts DatagramTap: direction, bytes, peer, local) feeding a
 * PacketTap: `gateway.setTap(udpTap(ops.trace))`.
 */
export function udpTap(tap: PacketTap): (direction: 'in' | 'out', data: Uint8Array, peer: Endpoint, local: Endpoint) => void {
  return (direction, payload, remote, local) => {
    if (tap.active) tap.datagram({ direction, local, remote, payload });
  };
}
