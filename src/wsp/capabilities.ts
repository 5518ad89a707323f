/**
 * WSP capabilities (WAP-230 §8.3): the Capabilities field of Connect, ConnectReply and Resume, and the
 * address format shared with the Redirect PDU (WAP-230 §8.2.2.3) and the Aliases capability.
 *
 * Capability = Length(uintvar) Identifier Parameters, Identifier = Short-integer | Token-text (§8.3.2).
 * Known capabilities are typed; anything else (unknown codes, textual identifiers, a known code whose value
 * does not parse, a repeated capability) is kept raw and written back unchanged.
 */
import { WapDecodeError, WapEncodeError } from '../wire/errors.ts';
import { readTextString, writeTextString } from '../wire/primitives.ts';
import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';

// WAP-230 §8.3.2 Table 37 "Capability Assignments" — written once, reverse map derived.
export const CAPABILITY_IDS = {
  clientSduSize: 0x00,
  serverSduSize: 0x01,
  protocolOptions: 0x02,
  methodMor: 0x03,
  pushMor: 0x04,
  extendedMethods: 0x05,
  headerCodePages: 0x06,
  aliases: 0x07,
  clientMessageSize: 0x08,
  serverMessageSize: 0x09,
} as const;
export type CapabilityName = keyof typeof CAPABILITY_IDS;
export const CAPABILITY_NAMES: ReadonlyMap<number, CapabilityName> = new Map(
  Object.entries(CAPABILITY_IDS).map(([k, v]) => [v, k as CapabilityName]),
);

/** WAP-230 §8.3.2.3 Protocol Options: the first octet's flag bits. */
export const PROTOCOL_OPTION_BITS = {
  confirmedPush: 0x80,
  push: 0x40,
  sessionResume: 0x20,
  ackHeaders: 0x10,
  largeDataTransfer: 0x08,
} as const;

export interface ProtocolOptions {
  confirmedPush: boolean;
  push: boolean;
  sessionResume: boolean;
  ackHeaders: boolean;
  largeDataTransfer: boolean;
  /** The octets as received when they carry more than the five flags (reserved bits, more octets). */
  raw?: Buffer;
}

/** WAP-230 §8.3.2.5: in Connect a PDU type and its method name; in the reply the PDU type alone. */
export interface ExtendedMethod {
  pduType: number;
  name?: string;
}

/** WAP-230 §8.3.2.6: in Connect a page code and its name; in the reply the code alone. */
export interface HeaderCodePage {
  code: number;
  name?: string;
}

/** WAP-230 §8.2.2.3 Address: bearer type (WDP bearer code) and port are optional. */
export interface WspAddress {
  bearerType?: number;
  port?: number;
  /** The address octets (4 for IPv4, 16 for IPv6, otherwise bearer specific). */
  address: Buffer;
}

/** A capability kept as received: numeric (short-integer) or textual identifier and its parameter octets. */
export interface RawCapability {
  id: number | string;
  value: Buffer;
}

export interface Capabilities {
  clientSduSize?: number;
  serverSduSize?: number;
  protocolOptions?: ProtocolOptions;
  methodMor?: number;
  pushMor?: number;
  extendedMethods?: ExtendedMethod[];
  headerCodePages?: HeaderCodePage[];
  aliases?: WspAddress[];
  clientMessageSize?: number;
  serverMessageSize?: number;
  /** Capabilities wapgate does not type, in the order received. */
  unknown?: RawCapability[];
  /**
   * Set by the decoder only when the capabilities arrived in another order than the encoder writes them
   * (typed ones in Table 37 order, then the unknown ones): the order received, typed capabilities by name and
   * unknown ones as `#<index into unknown>`, so the field re-encodes byte for byte. Entries whose capability is
   * gone are skipped; capabilities it does not list follow in the usual order.
   */
  wireOrder?: string[];
}

export interface CapabilityCodecOptions {
  /**
   * True for the Connect PDU (the client's request): Extended Methods and Header Code Pages then carry
   * names beside their codes (WAP-230 §8.3.2.5/6). False for ConnectReply and Resume.
   */
  connect: boolean;
}

// ---------------- addresses (WAP-230 §8.2.2.3) ----------------

const ADDR_BEARER = 0x80;
const ADDR_PORT = 0x40;
const ADDR_LEN_MASK = 0x3f;

/** One Address: Flags/Length octet, [Bearer-type uint8], [Port uint16], Address octets. */
export function readAddress(r: Reader): WspAddress {
  const flags = r.u8();
  const a: WspAddress = { address: Buffer.alloc(0) };
  if (flags & ADDR_BEARER) a.bearerType = r.u8();
  if (flags & ADDR_PORT) a.port = r.u16();
  a.address = r.bytes(flags & ADDR_LEN_MASK, 'address');
  return a;
}

/** Addresses until the reader's window ends. */
export function readAddresses(r: Reader): WspAddress[] {
  const out: WspAddress[] = [];
  while (!r.atEnd()) out.push(readAddress(r));
  return out;
}

export function writeAddress(w: Writer, a: WspAddress): void {
  if (a.address.length > ADDR_LEN_MASK) throw new WapEncodeError(`address of ${a.address.length} octets (max 63)`);
  let flags = a.address.length;
  if (a.bearerType !== undefined) flags |= ADDR_BEARER;
  if (a.port !== undefined) flags |= ADDR_PORT;
  w.u8(flags);
  if (a.bearerType !== undefined) w.u8(a.bearerType);
  if (a.port !== undefined) w.u16(a.port);
  w.bytes(a.address);
}

/** Bearer types (WAP-259 WDP Appendix C) the formatter knows to print as an IP address. */
export const BEARER_IPV4 = 0x00;
export const BEARER_IPV6 = 0x01;

/** Human form of an address: an IP literal when it is one, else hex. */
export function formatAddress(a: WspAddress): string {
  let host: string;
  if (a.address.length === 4 && (a.bearerType === undefined || a.bearerType === BEARER_IPV4)) {
    host = [...a.address].join('.');
  } else if (a.address.length === 16 && (a.bearerType === undefined || a.bearerType === BEARER_IPV6)) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(a.address.readUInt16BE(i).toString(16));
    host = `[${groups.join(':')}]`;
  } else {
    host = a.address.toString('hex');
  }
  return a.port === undefined ? host : `${host}:${a.port}`;
}

// ---------------- decode ----------------

/** Decodes the whole window of `r` as a Capabilities field. */
export function readCapabilities(r: Reader, opts: CapabilityCodecOptions): Capabilities {
  const caps: Capabilities = {};
  const order: string[] = [];
  // Unknown entries are named by their index in caps.unknown.
  const unknownKey = (): string => `#${caps.unknown!.length - 1}`;
  while (!r.atEnd()) {
    // WAP-230 §8.3.2: Capability = Length Identifier Parameters; Length covers Identifier + Parameters.
    const len = r.uintvar();
    const body = r.sub(len, 'capability');
    if (len === 0) {
      (caps.unknown ??= []).push({ id: '', value: Buffer.alloc(0) });
      order.push(unknownKey());
      continue;
    }
    const first = body.peek();
    if (first < 0x80) {
      // Token-text identifier: kept raw (textual capabilities are not assigned by WAP-230).
      const name = body.cstring('capability identifier').toString('latin1');
      (caps.unknown ??= []).push({ id: name, value: body.rest() });
      order.push(unknownKey());
      continue;
    }
    const id = body.u8() & 0x7f;
    const valueStart = body.pos;
    const name = CAPABILITY_NAMES.get(id);
    if (name === undefined || caps[name] !== undefined || !readKnown(caps, name, body, opts)) {
      body.pos = valueStart;
      (caps.unknown ??= []).push({ id, value: body.rest() });
      order.push(unknownKey());
    } else {
      order.push(name);
    }
  }
  // Lenient: capabilities in another order than ours are re-encoded in the order received (docs/leniency.md).
  const typed = new Set(order.filter((o) => !o.startsWith('#')));
  const canonical = [...Object.keys(CAPABILITY_IDS).filter((k) => typed.has(k)), ...order.filter((o) => o.startsWith('#'))];
  if (order.some((o, i) => o !== canonical[i])) caps.wireOrder = order;
  return caps;
}

/** Reads a typed value into caps; false (nothing set) when the value does not parse exactly. */
function readKnown(caps: Capabilities, name: CapabilityName, r: Reader, opts: CapabilityCodecOptions): boolean {
  try {
    switch (name) {
      // WAP-230 §8.3.2.1/2 and §8.3.2.9/10: sizes are uintvars.
      case 'clientSduSize':
      case 'serverSduSize':
      case 'clientMessageSize':
      case 'serverMessageSize': {
        const v = r.uintvar();
        r.expectEnd('capability');
        caps[name] = v;
        return true;
      }
      // WAP-230 §8.3.2.3: a bit field of one or more octets.
      case 'protocolOptions': {
        const octets = r.rest();
        if (octets.length === 0) return false;
        const b = octets[0]!;
        const po: ProtocolOptions = {
          confirmedPush: (b & PROTOCOL_OPTION_BITS.confirmedPush) !== 0,
          push: (b & PROTOCOL_OPTION_BITS.push) !== 0,
          sessionResume: (b & PROTOCOL_OPTION_BITS.sessionResume) !== 0,
          ackHeaders: (b & PROTOCOL_OPTION_BITS.ackHeaders) !== 0,
          largeDataTransfer: (b & PROTOCOL_OPTION_BITS.largeDataTransfer) !== 0,
        };
        if (octets.length > 1 || (b & 0x07) !== 0) po.raw = Buffer.from(octets);
        caps.protocolOptions = po;
        return true;
      }
      // WAP-230 §8.3.2.4: MORs are uint8.
      case 'methodMor':
      case 'pushMor': {
        const v = r.u8();
        r.expectEnd('capability');
        caps[name] = v;
        return true;
      }
      case 'extendedMethods': {
        const list: ExtendedMethod[] = [];
        while (!r.atEnd()) {
          const pduType = r.u8();
          list.push(opts.connect ? { pduType, name: readTextString(r) } : { pduType });
        }
        caps.extendedMethods = list;
        return true;
      }
      case 'headerCodePages': {
        const list: HeaderCodePage[] = [];
        while (!r.atEnd()) {
          const code = r.u8();
          list.push(opts.connect ? { code, name: readTextString(r) } : { code });
        }
        caps.headerCodePages = list;
        return true;
      }
      // WAP-230 §8.3.2.8: a list of addresses.
      case 'aliases':
        caps.aliases = readAddresses(r);
        return true;
    }
  } catch (e) {
    if (e instanceof WapDecodeError) return false;
    throw e;
  }
}

/** Decodes a Capabilities field held in its own buffer. */
export function decodeCapabilities(buf: Buffer, opts: CapabilityCodecOptions): Capabilities {
  return readCapabilities(new Reader(buf), opts);
}

// ---------------- encode ----------------

function writeOne(w: Writer, id: number | string, value: Uint8Array): void {
  const idw = new Writer(32);
  if (typeof id === 'number') {
    if (!Number.isInteger(id) || id < 0 || id > 0x7f) throw new WapEncodeError(`capability id out of range: ${id}`);
    idw.u8(0x80 | id);
  } else if (id.length > 0 || value.length > 0) {
    if (id.length > 0 && id.charCodeAt(0) >= 0x80) throw new WapEncodeError(`capability name must be token text: ${id}`);
    idw.cstring(Buffer.from(id, 'latin1'));
  }
  const ident = idw.finish();
  w.uintvar(ident.length + value.length).bytes(ident).bytes(value);
}

function valueOf(name: CapabilityName, caps: Capabilities, opts: CapabilityCodecOptions): Buffer | undefined {
  const w = new Writer(32);
  switch (name) {
    case 'clientSduSize':
    case 'serverSduSize':
    case 'clientMessageSize':
    case 'serverMessageSize': {
      const v = caps[name];
      if (v === undefined) return undefined;
      w.uintvar(v);
      break;
    }
    case 'protocolOptions': {
      const po = caps.protocolOptions;
      if (!po) return undefined;
      let b = 0;
      for (const [k, bit] of Object.entries(PROTOCOL_OPTION_BITS)) if (po[k as keyof typeof PROTOCOL_OPTION_BITS]) b |= bit;
      if (po.raw && po.raw.length > 0) {
        const out = Buffer.from(po.raw);
        out[0] = (out[0]! & 0x07) | b;
        return out;
      }
      w.u8(b);
      break;
    }
    case 'methodMor':
    case 'pushMor': {
      const v = caps[name];
      if (v === undefined) return undefined;
      w.u8(v);
      break;
    }
    case 'extendedMethods': {
      const list = caps.extendedMethods;
      if (!list) return undefined;
      for (const m of list) {
        w.u8(m.pduType);
        if (opts.connect) {
          if (m.name === undefined) throw new WapEncodeError(`extended method 0x${m.pduType.toString(16)} needs a name in Connect`);
          writeTextString(w, m.name);
        }
      }
      break;
    }
    case 'headerCodePages': {
      const list = caps.headerCodePages;
      if (!list) return undefined;
      for (const p of list) {
        w.u8(p.code);
        if (opts.connect) {
          if (p.name === undefined) throw new WapEncodeError(`header code page ${p.code} needs a name in Connect`);
          writeTextString(w, p.name);
        }
      }
      break;
    }
    case 'aliases': {
      const list = caps.aliases;
      if (!list) return undefined;
      for (const a of list) writeAddress(w, a);
      break;
    }
  }
  return Buffer.from(w.finish());
}

/** Writes the Capabilities field: typed capabilities in assignment order, then the raw ones as received. */
export function writeCapabilities(w: Writer, caps: Capabilities, opts: CapabilityCodecOptions): void {
  const done = new Set<string>();
  const unknown = caps.unknown ?? [];
  for (const o of caps.wireOrder ?? []) {
    if (done.has(o)) continue;
    if (o.startsWith('#')) {
      const u = unknown[Number(o.slice(1))];
      if (u === undefined) continue;
      writeOne(w, u.id, u.value);
    } else {
      const id = CAPABILITY_IDS[o as CapabilityName];
      if (id === undefined) continue;
      const v = valueOf(o as CapabilityName, caps, opts);
      if (v === undefined) continue;
      writeOne(w, id, v);
    }
    done.add(o);
  }
  for (const [name, id] of Object.entries(CAPABILITY_IDS) as [CapabilityName, number][]) {
    if (done.has(name)) continue;
    const v = valueOf(name, caps, opts);
    if (v !== undefined) writeOne(w, id, v);
  }
  unknown.forEach((u, i) => {
    if (!done.has(`#${i}`)) writeOne(w, u.id, u.value);
  });
}

export function encodeCapabilities(caps: Capabilities, opts: CapabilityCodecOptions): Buffer {
  const w = new Writer(64);
  writeCapabilities(w, caps, opts);
  return Buffer.from(w.finish());
}

// ---------------- negotiation (WAP-230 §8.3.1) ----------------

/** WAP-230 §8.3.2 defaults when a capability is not sent. */
export const CAPABILITY_DEFAULTS = {
  clientSduSize: 1400,
  serverSduSize: 1400,
  methodMor: 1,
  pushMor: 1,
} as const;

/** min() where 0 means "no limit" (WAP-230 §8.3.2.1/2, §8.3.2.9/10). */
function minSize(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (a === 0) return b;
  if (b === 0) return a;
  return Math.min(a, b);
}

/**
 * The server's answer to a client's proposal (what goes in ConnectReply): sizes are the smaller of the two
 * (0 = unlimited), MORs the smaller (a missing MOR counts as its default 1), protocol options the flags both
 * sides have, extended methods and header code pages those both list (codes only, as the reply carries),
 * aliases the server's. Unknown capabilities are not echoed.
 */
export function negotiate(client: Capabilities, server: Capabilities): Capabilities {
  const out: Capabilities = {};
  for (const k of ['clientSduSize', 'serverSduSize', 'clientMessageSize', 'serverMessageSize'] as const) {
    const v = minSize(client[k], server[k]);
    if (v !== undefined) out[k] = v;
  }
  if (client.protocolOptions || server.protocolOptions) {
    const c = client.protocolOptions;
    const s = server.protocolOptions;
    out.protocolOptions = {
      confirmedPush: !!c?.confirmedPush && !!s?.confirmedPush,
      push: !!c?.push && !!s?.push,
      sessionResume: !!c?.sessionResume && !!s?.sessionResume,
      ackHeaders: !!c?.ackHeaders && !!s?.ackHeaders,
      largeDataTransfer: !!c?.largeDataTransfer && !!s?.largeDataTransfer,
    };
  }
  for (const k of ['methodMor', 'pushMor'] as const) {
    if (client[k] !== undefined || server[k] !== undefined) {
      out[k] = Math.min(client[k] ?? CAPABILITY_DEFAULTS[k], server[k] ?? CAPABILITY_DEFAULTS[k]);
    }
  }
  if (client.extendedMethods && server.extendedMethods) {
    const offered = server.extendedMethods;
    out.extendedMethods = client.extendedMethods
      .filter((m) =>
        offered.some(
          (s) =>
            s.pduType === m.pduType &&
            (s.name === undefined || m.name === undefined || s.name.toUpperCase() === m.name.toUpperCase()),
        ),
      )
      .map((m) => ({ pduType: m.pduType }));
  }
  if (client.headerCodePages && server.headerCodePages) {
    const offered = server.headerCodePages;
    out.headerCodePages = client.headerCodePages
      .filter((p) =>
        offered.some(
          (s) => s.code === p.code && (s.name === undefined || p.name === undefined || s.name.toLowerCase() === p.name.toLowerCase()),
        ),
      )
      .map((p) => ({ code: p.code }));
  }
  if (server.aliases && server.aliases.length > 0) out.aliases = server.aliases.map((a) => ({ ...a }));
  return out;
}
