/**
 * `wapgate decode`: WTP / WSP / MMS PDUs from files, hex or pcap/pcapng captures → JSON, one document per
 * input (or per UDP packet of a capture). `--roundtrip` re-encodes what was decoded, decodes that again and
 * fails when anything differs. Exit status 0 only when every input decoded (and round-tripped).
 *
 * The decoding itself is `decodeBytes()` / `decodeFile()` / `decodeCapture()` below, usable as a library
 * (tests call them directly).
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { captureFormat, readUdpDatagrams } from '../trace/pcap-read.ts';
import { WapDecodeError } from '../wire/errors.ts';
import { decodeMms, encodeMms } from '../mms/index.ts';
import type { MmsPdu } from '../mms/index.ts';
import { formatContentType } from '../wsp/content-type.ts';
import { decodeMultipart, encodeMultipart, isWspMultipart, type MultipartEntry } from '../wsp/multipart.ts';
import { decodeConnectionless, decodeWspPdu, encodeConnectionless, encodeWspPdu, type WspPdu } from '../wsp/pdu.ts';
import { wspToHttpStatus } from '../wsp/status.ts';
import { decodeWtpDatagram, encodeConcatenated, encodeWtpPdu, type WtpPdu } from '../wtp/pdu.ts';

export type DecodeAs = 'wtp' | 'wsp-co' | 'wsp-cl' | 'mms';
export const DECODE_AS: readonly DecodeAs[] = ['wtp', 'wsp-co', 'wsp-cl', 'mms'];

/** WAP-259 well-known ports: 9200 connectionless WSP, 9201 WTP + WSP, 2948/2949 the push variants. */
export const PORT_AS: ReadonlyMap<number, DecodeAs> = new Map([
  [9200, 'wsp-cl'],
  [9201, 'wtp'],
  [2948, 'wsp-cl'],
  [2949, 'wtp'],
]);

/** Exported-PDU dissector names (linktype 252) → what to decode as. */
const DISSECTOR_AS: ReadonlyMap<string, DecodeAs> = new Map([
  ['wsp-cl', 'wsp-cl'],
  ['wsp-co', 'wsp-co'],
  ['wtp-udp', 'wtp'],
  ['wtp-wtls', 'wtp'],
  ['mmse_wsp', 'mms'],
  ['mmse', 'mms'],
]);

const MMS_TYPE = 'application/vnd.wap.mms-message';

/** What one WSP PDU carried, decoded further where wapgate knows the content. */
export interface WspDecoded {
  summary: string;
  pdu: WspPdu;
  tid?: number;
  mms?: MmsPdu;
  multipart?: MultipartEntry[];
  /** Why a body that looked decodable was left alone. */
  bodyError?: ErrorInfo;
}

export interface WtpDecoded {
  summary: string;
  pdu: WtpPdu;
  /** The WSP PDU inside an unsegmented Invoke or Result. */
  wsp?: WspDecoded;
  note?: string;
}

export interface Decoded {
  as: DecodeAs;
  wtp?: WtpDecoded[];
  wsp?: WspDecoded;
  mms?: MmsPdu;
  /** After --roundtrip: whether the re-encoded octets equal the input (informative; structures must match). */
  identicalBytes?: boolean;
}

export interface ErrorInfo {
  name: string;
  code?: string;
  offset?: number;
  message: string;
}

export class RoundtripError extends Error {
  override readonly name = 'RoundtripError';
  readonly code = 'WAP_ERR_ROUNDTRIP';
  constructor(
    readonly what: string,
    readonly first: unknown,
    readonly second: unknown,
  ) {
    super(`${what} differs after re-encoding and decoding again`);
  }
}

export interface DecodeOptions {
  roundtrip?: boolean;
}

function check(what: string, first: unknown, second: unknown): void {
  if (!isDeepStrictEqual(first, second)) throw new RoundtripError(what, first, second);
}

function wspSummary(pdu: WspPdu): string {
  switch (pdu.type) {
    case 'Get':
    case 'Post':
      return `WSP ${pdu.method ?? `0x${(pdu.pduType ?? 0).toString(16)}`} ${pdu.uri}`;
    case 'Reply':
      return `WSP Reply 0x${pdu.status.toString(16)} (HTTP ${wspToHttpStatus(pdu.status)})${pdu.contentType ? ' ' + formatContentType(pdu.contentType) : ''}`;
    case 'Push':
    case 'ConfirmedPush':
      return `WSP ${pdu.type}${pdu.contentType ? ' ' + formatContentType(pdu.contentType) : ''}`;
    case 'Connect':
      return `WSP Connect ${pdu.version.major}.${pdu.version.minor}`;
    case 'ConnectReply':
    case 'Disconnect':
    case 'Suspend':
    case 'Resume':
      return `WSP ${pdu.type} session ${pdu.sessionId}`;
    default:
      return `WSP ${pdu.type}`;
  }
}

function errorInfo(e: unknown): ErrorInfo {
  if (e instanceof WapDecodeError) return { name: e.name, code: e.code, offset: e.offset, message: e.message };
  if (e instanceof Error) {
    const info: ErrorInfo = { name: e.name, message: e.message };
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') info.code = code;
    return info;
  }
  return { name: 'Error', message: String(e) };
}

/** Decodes the body a WSP PDU carries when wapgate knows its type (MMS, WSP multipart). */
function decodeBody(pdu: WspPdu, out: WspDecoded, opts: DecodeOptions): void {
  if (!('data' in pdu) || pdu.data.length === 0 || !('contentType' in pdu) || !pdu.contentType) return;
  const type = pdu.contentType.type.toLowerCase();
  try {
    if (type === MMS_TYPE) {
      out.mms = decodeMms(pdu.data);
      if (opts.roundtrip) check('MMS body', out.mms, decodeMms(encodeMms(out.mms)));
    } else if (isWspMultipart(type)) {
      out.multipart = decodeMultipart(pdu.data);
      if (opts.roundtrip) check('multipart body', out.multipart, decodeMultipart(encodeMultipart(out.multipart)));
    }
  } catch (e) {
    if (e instanceof RoundtripError) throw e;
    // The WSP PDU itself decoded; a body that is not what its Content-Type says is reported, not fatal.
    out.bodyError = errorInfo(e);
  }
}

function decodeWspCo(buf: Buffer, opts: DecodeOptions): WspDecoded {
  const pdu = decodeWspPdu(buf);
  if (opts.roundtrip) check('WSP PDU', pdu, decodeWspPdu(encodeWspPdu(pdu)));
  const out: WspDecoded = { summary: wspSummary(pdu), pdu };
  decodeBody(pdu, out, opts);
  return out;
}

/** Decodes one input as the given kind. Throws WapDecodeError (bad input) or RoundtripError. */
export function decodeBytes(buf: Buffer, as: DecodeAs, opts: DecodeOptions = {}): Decoded {
  switch (as) {
    case 'wsp-cl': {
      const { tid, pdu } = decodeConnectionless(buf);
      let identicalBytes: boolean | undefined;
      if (opts.roundtrip) {
        const again = encodeConnectionless(tid, pdu);
        check('WSP PDU', { tid, pdu }, decodeConnectionless(again));
        identicalBytes = again.equals(buf);
      }
      const wsp: WspDecoded = { summary: wspSummary(pdu), tid, pdu };
      decodeBody(pdu, wsp, opts);
      return identicalBytes === undefined ? { as, wsp } : { as, wsp, identicalBytes };
    }
    case 'wsp-co': {
      const wsp = decodeWspCo(buf, opts);
      return opts.roundtrip ? { as, wsp, identicalBytes: encodeWspPdu(wsp.pdu).equals(buf) } : { as, wsp };
    }
    case 'mms': {
      const mms = decodeMms(buf);
      if (opts.roundtrip) {
        const again = encodeMms(mms);
        check('MMS PDU', mms, decodeMms(again));
        return { as, mms, identicalBytes: again.equals(buf) };
      }
      return { as, mms };
    }
    case 'wtp': {
      const pdus = decodeWtpDatagram(buf);
      const wtp: WtpDecoded[] = pdus.map((pdu) => {
        if (opts.roundtrip) check(`WTP ${pdu.type}`, [pdu], decodeWtpDatagram(encodeWtpPdu(pdu)));
        const item: WtpDecoded = { summary: `WTP ${pdu.type} TID ${pdu.tid}`, pdu };
        if ((pdu.type === 'Invoke' || pdu.type === 'Result') && pdu.data.length > 0) {
          // WAP-224 §9.6: TTR set on the first packet = the whole message; otherwise segments follow.
          if (pdu.ttr) item.wsp = decodeWspCo(pdu.data, opts);
          else item.note = 'first segment: the WSP PDU is decoded on the packet that completes the message';
        } else if ((pdu.type === 'SegmentedInvoke' || pdu.type === 'SegmentedResult') && pdu.data.length > 0) {
          item.note = `segment ${pdu.psn}: the WSP PDU is decoded on the packet that completes the message`;
        }
        return item;
      });
      if (opts.roundtrip) return { as, wtp, identicalBytes: encodeConcatenated(pdus.map((p) => encodeWtpPdu(p))).equals(buf) };
      return { as, wtp };
    }
  }
}

/** Picks the decoder for a file by its name and first octets (pcap files are handled before this). */
export function guessKind(name: string, buf: Buffer): DecodeAs | undefined {
  const ext = extname(name).toLowerCase();
  if (ext === '.mms') return 'mms';
  if (ext === '.wsp') return 'wsp-cl';
  if (ext === '.wtp') return 'wtp';
  if (ext === '.wspco') return 'wsp-co';
  // MMS PDUs start with the X-Mms-Message-Type field (0x8C, OMA-MMS-ENC §7.3.30).
  if (buf.length > 1 && buf[0] === 0x8c) return 'mms';
  return undefined;
}

/** Tries each decoder when nothing else says what the bytes are; the first that decodes wins. */
function decodeUnknown(buf: Buffer, opts: DecodeOptions): Decoded {
  let first: unknown;
  for (const as of ['wsp-co', 'wsp-cl', 'wtp', 'mms'] as const) {
    try {
      return decodeBytes(buf, as, opts);
    } catch (e) {
      first ??= e;
    }
  }
  throw first;
}

export interface Document {
  source: string;
  ok: boolean;
  frame?: number;
  time?: string;
  src?: string;
  dst?: string;
  skipped?: string;
  result?: Decoded;
  error?: ErrorInfo;
}

function run1(source: string, buf: Buffer, as: DecodeAs | 'auto', opts: DecodeOptions): Document {
  try {
    const kind = as === 'auto' ? guessKind(source, buf) : as;
    const result = kind ? decodeBytes(buf, kind, opts) : decodeUnknown(buf, opts);
    return { source, ok: true, result };
  } catch (e) {
    return { source, ok: false, error: errorInfo(e) };
  }
}

/**
 * Reassembles segmented WTP messages across the packets of a capture (WAP-224 §9.6: the first packet is an
 * Invoke/Result with TTR clear and PSN 0, then Segmented Invoke/Result PSN 1..n, the last with TTR set), so
 * the WSP PDU they carry is decoded on the packet that completes it. Retransmissions replace their segment.
 * Bounded: at most MAX_OPEN messages in progress and MAX_MESSAGE octets each; the oldest is dropped first.
 */
class SarCollector {
  static readonly MAX_OPEN = 256;
  static readonly MAX_MESSAGE = 4 * 1024 * 1024;
  private readonly open = new Map<string, { segs: Map<number, Buffer>; size: number; last?: number }>();

  /** Feeds one WTP PDU; returns the whole message when this PDU completed it. */
  add(flow: string, pdu: WtpPdu): { data: Buffer; segments: number } | undefined {
    let psn: number;
    if (pdu.type === 'Invoke' || pdu.type === 'Result') {
      if (pdu.ttr) return undefined; // not segmented
      psn = 0;
    } else if (pdu.type === 'SegmentedInvoke' || pdu.type === 'SegmentedResult') psn = pdu.psn;
    else return undefined;
    const dir = pdu.type.endsWith('Invoke') ? 'I' : 'R';
    const key = `${flow}|${dir}|${pdu.tid}`;
    let m = this.open.get(key);
    if (!m) {
      if (this.open.size >= SarCollector.MAX_OPEN) this.open.delete(this.open.keys().next().value!);
      m = { segs: new Map(), size: 0 };
      this.open.set(key, m);
    }
    if (psn === 0 && m.segs.has(0) && !pdu.rid) {
      // a new message reusing the TID: start again
      m.segs.clear();
      m.size = 0;
      delete m.last;
    }
    const prev = m.segs.get(psn);
    m.size += pdu.data.length - (prev?.length ?? 0);
    if (m.size > SarCollector.MAX_MESSAGE) {
      this.open.delete(key);
      return undefined;
    }
    m.segs.set(psn, pdu.data);
    if (pdu.ttr) m.last = psn;
    if (m.last === undefined) return undefined;
    for (let i = 0; i <= m.last; i++) if (!m.segs.has(i)) return undefined;
    this.open.delete(key);
    const parts: Buffer[] = [];
    for (let i = 0; i <= m.last; i++) parts.push(m.segs.get(i)!);
    return { data: Buffer.concat(parts), segments: m.last + 1 };
  }
}

function reassemble(sar: SarCollector, flow: string, result: Decoded, opts: DecodeOptions): void {
  for (const item of result.wtp ?? []) {
    const done = sar.add(flow, item.pdu);
    if (!done) continue;
    item.wsp = decodeWspCo(done.data, opts);
    item.note = `WSP reassembled from ${done.segments} segments`;
  }
}

/** One document per UDP packet on a WAP port (or exported-PDU record) of a pcap/pcapng capture. */
export function decodeCapture(source: string, buf: Buffer, opts: DecodeOptions = {}, as?: DecodeAs): Document[] {
  return [...iterateCapture(source, buf, opts, as)];
}

/** decodeCapture as a generator: documents come out packet by packet (the CLI streams them). */
export function* iterateCapture(source: string, buf: Buffer, opts: DecodeOptions = {}, as?: DecodeAs): Generator<Document> {
  const sar = new SarCollector();
  try {
    for (const item of readUdpDatagrams(buf)) {
      const time = Number.isFinite(item.time) ? new Date(item.time).toISOString() : undefined;
      const base: Document = { source, ok: true, frame: item.frame };
      if (time) base.time = time;
      if (item.kind === 'skip') {
        yield ({ ...base, skipped: item.reason });
        continue;
      }
      base.src = `${item.src}:${item.srcPort}`;
      base.dst = `${item.dst}:${item.dstPort}`;
      const kind =
        as ?? (item.dissector !== undefined ? DISSECTOR_AS.get(item.dissector) : PORT_AS.get(item.dstPort) ?? PORT_AS.get(item.srcPort));
      if (!kind) {
        yield ({ ...base, skipped: item.dissector ? `exported PDU for '${item.dissector}'` : 'not a WAP port' });
        continue;
      }
      try {
        const result = decodeBytes(item.payload, kind, opts);
        if (kind === 'wtp') reassemble(sar, `${base.src}>${base.dst}`, result, opts);
        yield ({ ...base, result });
      } catch (e) {
        yield ({ ...base, ok: false, error: errorInfo(e) });
      }
    }
  } catch (e) {
    yield { source, ok: false, error: errorInfo(e) };
  }
}

/** Decodes one file: a capture → one document per packet; anything else → one document. */
export function decodeFile(path: string, as: DecodeAs | 'auto' = 'auto', opts: DecodeOptions = {}): Document[] {
  return [...iterateFile(path, as, opts)];
}

/** decodeFile as a generator. */
export function* iterateFile(path: string, as: DecodeAs | 'auto' = 'auto', opts: DecodeOptions = {}): Generator<Document> {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    yield { source: path, ok: false, error: errorInfo(e) };
    return;
  }
  if (captureFormat(buf)) yield* iterateCapture(path, buf, opts, as === 'auto' ? undefined : as);
  else yield run1(path, buf, as, opts);
}

/** JSON with Buffers (and other byte arrays) as hex strings and Dates as ISO text. */
export function toJson(value: unknown, pretty = true): string {
  return JSON.stringify(
    value,
    function (this: Record<string, unknown>, key, v: unknown) {
      const raw = this[key];
      if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('hex');
      return v;
    },
    pretty ? 2 : undefined,
  );
}

export const HELP = `Usage: wapgate decode [options] FILE...
       wapgate decode [options] --hex HEX

Decodes WTP, WSP and MMS PDUs to JSON: one document per file, or one per UDP packet when FILE is a pcap or
pcapng capture (port 9200/2948 → connectionless WSP, 9201/2949 → WTP with the WSP PDU inside its
Invoke/Result; a segmented message is reassembled and its WSP PDU shown on the packet that completes it;
exported-PDU records by the dissector they name; fragments and other traffic are listed as skipped).
An MMS body inside a WSP PDU (application/vnd.wap.mms-message) and WSP multipart bodies are decoded too.
Octets are shown as hex strings.

Options:
  --as KIND      auto (default) | wtp | wsp-co | wsp-cl | mms
                 auto: pcap/pcapng by magic; .mms → mms, .wsp → wsp-cl (TID + PDU), .wtp → wtp,
                 .wspco → wsp-co; otherwise by content (0x8C → mms), else the first decoder that succeeds
  --roundtrip    re-encode what was decoded, decode again, fail if anything differs
  --hex HEX      decode these octets (spaces and colons allowed) instead of a file; may repeat
  --compact      one JSON document per line
  -h, --help     this text

Exit status: 0 when every input decoded (and round-tripped), 1 when any did not, 2 on bad usage.`;

let epipeHandled = false;

/** `wapgate decode ... | head`: a reader that goes away ends the output quietly, not with a stack trace. */
function quietOnClosedPipe(): void {
  if (epipeHandled) return;
  epipeHandled = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

export async function run(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        as: { type: 'string', default: 'auto' },
        roundtrip: { type: 'boolean', default: false },
        hex: { type: 'string', multiple: true },
        compact: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`wapgate decode: ${(e as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const as = values.as as DecodeAs | 'auto';
  if (as !== 'auto' && !DECODE_AS.includes(as)) {
    process.stderr.write(`wapgate decode: --as must be auto, ${DECODE_AS.join(', ')}\n`);
    return 2;
  }
  const hexes = values.hex ?? [];
  if (positionals.length === 0 && hexes.length === 0) {
    process.stderr.write(`wapgate decode: nothing to decode\n\n${HELP}\n`);
    return 2;
  }
  const opts: DecodeOptions = { roundtrip: values.roundtrip };
  quietOnClosedPipe();
  let allOk = true;
  const emit = (d: Document): void => {
    allOk &&= d.ok;
    process.stdout.write(toJson(d, !values.compact) + '\n');
  };
  const hexBufs: Buffer[] = [];
  for (const [i, h] of hexes.entries()) {
    const clean = h.replace(/^0x/i, '').replace(/[\s:]/g, '');
    if (!/^([0-9a-fA-F]{2})*$/.test(clean)) {
      process.stderr.write(`wapgate decode: --hex value ${i + 1} is not an even number of hex digits\n`);
      return 2;
    }
    hexBufs.push(Buffer.from(clean, 'hex'));
  }
  for (const [i, buf] of hexBufs.entries()) {
    const source = `hex#${i + 1}`;
    if (captureFormat(buf)) for (const d of iterateCapture(source, buf, opts, as === 'auto' ? undefined : as)) emit(d);
    else emit(run1(source, buf, as, opts));
  }
  for (const f of positionals) for (const d of iterateFile(f, as, opts)) emit(d);
  return allOk ? 0 : 1;
}
