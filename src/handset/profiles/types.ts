/**
 * A handset profile: what a real handset tells a WAP gateway and an MMSC about itself — its request headers
 * (User-Agent, Accept, Accept-Charset, Accept-Language, the UAProf URL in x-wap-profile, anything else it sends),
 * the WSP Connect it opens a session with (WAP-230 §8.2.2.1: version, capabilities §8.3.2, session headers), the
 * ports it takes WAP Push on (WAP-259 Table: 2948 connectionless, 2949 secure/CO), and its MMS version
 * (OMA-MMS-ENC §7.3.34). Profiles are data (src/handset/profiles/builtin.ts, or a JSON/YAML file): this module
 * only validates them and turns them into WSP headers and capabilities.
 */
import * as z from 'zod';
import type { Capabilities, WspAddress } from '../../wsp/capabilities.ts';
import type { WspHeader } from '../../wsp/headers/index.ts';

const header = z.strictObject({
  name: z.string().min(1),
  value: z.string(),
  /** The encoded value octets as the handset sent them (hex), when its encoding is not ours (e.g. X-WAP.TOD). */
  rawHex: z.string().regex(/^([0-9a-f]{2})*$/i).optional(),
  /** The page-1 field code it was sent under, when not the one we would choose (see WspHeader.code). */
  code: z.number().int().min(0).max(0x7f).optional(),
});

const u32 = z.number().int().min(0).max(0xffff_ffff);

const connect = z.strictObject({
  /** WSP version of the Connect PDU ('1.0' for every handset seen so far). */
  version: z.string().regex(/^\d{1,2}\.\d{1,2}$/).default('1.0'),
  /** Encoding-Version header (WAP-230 §8.4.2.70) sent in Connect, e.g. '1.3'; absent = not sent (means 1.2). */
  encodingVersion: z.string().regex(/^\d{1,2}\.\d{1,2}$/).optional(),
  capabilities: z
    .strictObject({
      clientSduSize: u32.optional(),
      serverSduSize: u32.optional(),
      clientMessageSize: u32.optional(),
      serverMessageSize: u32.optional(),
      methodMor: z.number().int().min(0).max(255).optional(),
      pushMor: z.number().int().min(0).max(255).optional(),
      protocolOptions: z
        .strictObject({
          confirmedPush: z.boolean().default(false),
          push: z.boolean().default(false),
          sessionResume: z.boolean().default(false),
          ackHeaders: z.boolean().default(false),
          largeDataTransfer: z.boolean().default(false),
        })
        .optional(),
      extendedMethods: z.array(z.strictObject({ pduType: z.number().int().min(0x50).max(0x7f), name: z.string().min(1) })).optional(),
      headerCodePages: z.array(z.strictObject({ code: z.number().int().min(2).max(255), name: z.string().min(1) })).optional(),
      /** Aliases (WAP-230 §8.3.2.8): 'ADDR[:PORT]' IPv4 literals with the IPv4 bearer. */
      aliases: z.array(z.string().regex(/^\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?$/)).optional(),
    })
    .default({}),
});

export const profileSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i),
  description: z.string().default(''),
  /** Where the data comes from (a capture, a source file, a published UAProf document). */
  source: z.string().default(''),
  userAgent: z.string().optional(),
  accept: z.array(z.string().min(1)).default([]),
  acceptCharset: z.array(z.string().min(1)).default([]),
  acceptLanguage: z.array(z.string().min(1)).default([]),
  /** The UAProf URL (x-wap-profile; WSP field Profile, 0x35). */
  profileUrl: z.string().optional(),
  /**
   * The handset's headers in the order it sends them. When given, these are the Connect's headers exactly
   * (a profile taken from a capture); else they are built from the fields above.
   */
  headers: z.array(header).optional(),
  connect: connect.default({ version: '1.0', capabilities: {} }),
  pushPorts: z.strictObject({ cl: z.number().int().min(1).max(65535), co: z.number().int().min(1).max(65535) }).default({ cl: 2948, co: 2949 }),
  /** The MMS version the handset's MMS user agent writes ('1.0' .. '1.3'); absent = no MMS client. */
  mmsVersion: z.string().regex(/^1\.[0-3]$/).optional(),
  /** Largest MMS it sends or takes (UAProf MmsMaxMessageSize), octets. */
  mmsMaxMessageSize: z.number().int().min(1).optional(),
});

export type HandsetProfileInput = z.input<typeof profileSchema>;
export type HandsetProfile = z.output<typeof profileSchema>;

/** The headers a handset sends (in the Connect of a session, or with every connectionless request). */
export function profileHeaders(p: HandsetProfile): WspHeader[] {
  if (p.headers) {
    return p.headers.map((h) => {
      const out: WspHeader = { name: h.name, value: h.value };
      if (h.rawHex !== undefined) out.raw = Buffer.from(h.rawHex, 'hex');
      if (h.code !== undefined) out.code = h.code;
      return out;
    });
  }
  const out: WspHeader[] = [];
  for (const v of p.accept) out.push({ name: 'Accept', value: v });
  for (const v of p.acceptCharset) out.push({ name: 'Accept-Charset', value: v });
  for (const v of p.acceptLanguage) out.push({ name: 'Accept-Language', value: v });
  if (p.profileUrl) out.push({ name: 'Profile', value: p.profileUrl });
  if (p.userAgent) out.push({ name: 'User-Agent', value: p.userAgent });
  return out;
}

/** The Connect's session headers: the profile's headers, with Encoding-Version first when it sends one. */
export function connectHeaders(p: HandsetProfile): WspHeader[] {
  const hs = profileHeaders(p);
  if (p.connect.encodingVersion && !hs.some((h) => h.name.toLowerCase() === 'encoding-version')) {
    hs.unshift({ name: 'Encoding-Version', value: p.connect.encodingVersion });
  }
  return hs;
}

/** The capabilities the handset proposes in its Connect. */
export function profileCapabilities(p: HandsetProfile): Capabilities {
  const c = p.connect.capabilities;
  const caps: Capabilities = {};
  for (const k of ['clientSduSize', 'serverSduSize', 'protocolOptions', 'methodMor', 'pushMor', 'clientMessageSize', 'serverMessageSize'] as const) {
    if (c[k] !== undefined) (caps as Record<string, unknown>)[k] = c[k];
  }
  if (c.extendedMethods) caps.extendedMethods = c.extendedMethods.map((m) => ({ ...m }));
  if (c.headerCodePages) caps.headerCodePages = c.headerCodePages.map((m) => ({ ...m }));
  if (c.aliases) caps.aliases = c.aliases.map(aliasAddress);
  return caps;
}

function aliasAddress(text: string): WspAddress {
  const [host, port] = text.split(':');
  const a: WspAddress = { bearerType: 0x00, address: Buffer.from(host!.split('.').map(Number)) };
  if (port !== undefined) a.port = Number(port);
  return a;
}

/** '1.2' → { major: 1, minor: 2 }. */
export function versionOf(text: string): { major: number; minor: number } {
  const [major, minor] = text.split('.').map(Number);
  return { major: major!, minor: minor! };
}

/** Request headers for one request: the profile's, with any of the same name the caller gives replaced. */
export function mergeHeaders(base: readonly WspHeader[], extra: readonly WspHeader[]): WspHeader[] {
  const replaced = new Set(extra.map((h) => h.name.toLowerCase()));
  const alias = (n: string) => (n === 'profile' ? 'x-wap-profile' : n);
  return [...base.filter((h) => !replaced.has(h.name.toLowerCase()) && !replaced.has(alias(h.name.toLowerCase()))), ...extra];
}
