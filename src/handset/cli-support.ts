/**
 * What `wapgate phone get|post` share (and the MMS engineer's send-mms/receive can reuse): the common flags
 * (--gateway HOST:PORT, --bind ADDR, --cl, --header 'Name: value'), one request over CO or CL, and printing
 * a response the way a tester wants it (status and headers to stderr, body to stdout or a file).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { WspHeader } from '../wsp/headers/index.ts';
import { ClClient, parseHeaderLines, type Endpoint, type WspResponse } from './cl.ts';
import { connect } from './co.ts';
import { connectHeaders, loadProfile, mergeHeaders, profileCapabilities, profileHeaders, versionOf, type HandsetProfile } from './profiles/index.ts';

export const COMMON_OPTIONS = {
  gateway: { type: 'string' },
  bind: { type: 'string' },
  cl: { type: 'boolean', default: false },
  header: { type: 'string', multiple: true, default: [] },
  out: { type: 'string' },
  timeout: { type: 'string' },
  profile: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

/** Help lines for the common options. */
export const COMMON_HELP = `  --gateway HOST:PORT   gateway (default 127.0.0.1:9201, or :9200 with --cl)
  --bind ADDR           the handset's own address (e.g. 127.0.0.2)
  --cl                  connectionless WSP (port 9200) instead of a WTP session
  --header 'N: v'       request header (repeatable)
  --out FILE            write the reply body here instead of stdout
  --timeout S           give up after S seconds (default 30)
  --profile NAME|FILE   the handset to be: its headers, Connect, push ports, MMS version
                        (default mms-phone; 'wapgate phone profiles' lists them; FILE: JSON/YAML)
Status and headers go to stderr; exit status 0 only on a 2xx reply.
`;

export interface CommonArgs {
  gateway: Endpoint;
  bind?: string;
  cl: boolean;
  headers: WspHeader[];
  out?: string;
  timeoutMs: number;
  /** The handset this command plays (--profile); the default profile when absent. */
  profile?: HandsetProfile;
}

/** 'host:port', '[v6]:port' or 'host' (port from the mode: 9200 CL, 9201 CO). */
export function parseGateway(text: string | undefined, cl: boolean): Endpoint {
  const port = cl ? 9200 : 9201;
  if (!text) return { host: '127.0.0.1', port };
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : port };
  const i = text.lastIndexOf(':');
  if (i > 0 && text.indexOf(':') === i) return { host: text.slice(0, i), port: Number(text.slice(i + 1)) };
  return { host: text, port };
}

export function commonArgs(values: {
  gateway?: string;
  bind?: string;
  cl?: boolean;
  header?: string[];
  out?: string;
  timeout?: string;
  profile?: string;
}): CommonArgs & { profile: HandsetProfile } {
  const cl = values.cl ?? false;
  const gateway = parseGateway(values.gateway, cl);
  if (!Number.isInteger(gateway.port) || gateway.port < 1 || gateway.port > 65535) throw new Error(`bad --gateway ${values.gateway}`);
  const a: CommonArgs & { profile: HandsetProfile } = {
    gateway,
    cl,
    headers: parseHeaderLines(values.header ?? []),
    timeoutMs: values.timeout ? Number(values.timeout) * 1000 : 30_000,
    profile: loadProfile(values.profile),
  };
  if (values.bind) a.bind = values.bind;
  if (values.out) a.out = values.out;
  return a;
}

export type PhoneRequest =
  | { kind: 'get'; uri: string; method?: string }
  | { kind: 'post'; uri: string; contentType: string; body: Buffer; method?: string };

/**
 * One request as a handset makes it: CL (one datagram, retried; the profile's headers ride on every request,
 * as there is no session to hold them) or CO (Connect with the profile's capabilities and session headers,
 * method, Disconnect). --header values replace the profile's headers of the same name.
 */
export async function phoneRequest(a: CommonArgs, req: PhoneRequest): Promise<WspResponse> {
  const bind = a.bind ? { address: a.bind } : undefined;
  const profile = a.profile ?? loadProfile();
  if (a.cl) {
    const c = new ClClient({ gateway: a.gateway, bind, timeoutMs: Math.max(1000, a.timeoutMs / 3), attempts: 3 });
    const headers = mergeHeaders(profileHeaders(profile), a.headers);
    try {
      return req.kind === 'get'
        ? await c.get(req.uri, headers, req.method)
        : await c.post(req.uri, req.contentType, req.body, headers, req.method);
    } finally {
      await c.close();
    }
  }
  const s = await connect({
    gateway: a.gateway,
    bind,
    headers: withoutNames(connectHeaders(profile), a.headers),
    capabilities: profileCapabilities(profile),
    version: versionOf(profile.connect.version),
  });
  try {
    return req.kind === 'get'
      ? await s.get(req.uri, a.headers, req.method)
      : await s.post(req.uri, req.contentType, req.body, a.headers, req.method);
  } finally {
    await s.disconnect().catch(() => {});
  }
}

/** The profile's session headers less those the request itself sets (--header replaces, never doubles). */
function withoutNames(base: readonly WspHeader[], extra: readonly WspHeader[]): WspHeader[] {
  return mergeHeaders(base, extra).filter((h) => !extra.includes(h));
}

/** Status line and headers to stderr, body to stdout or --out; exit status 0 only on 2xx. */
export function printResponse(r: WspResponse, out: string | undefined): number {
  const lines = [`${r.status} (WSP 0x${r.wspStatus.toString(16).padStart(2, '0')})`];
  if (r.contentType) lines.push(`Content-Type: ${r.contentType}`);
  for (const h of r.headers) lines.push(`${h.name}: ${h.value}`);
  lines.push(`(${r.body.length} octets)`);
  process.stderr.write(lines.join('\n') + '\n');
  if (out) writeFileSync(out, r.body);
  else process.stdout.write(r.body);
  return r.status >= 200 && r.status < 300 ? 0 : 1;
}

/** Runs a phone subcommand body with argument errors → exit 2, network errors → exit 1. */
export async function guard(help: string, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || err.code === 'ERR_USAGE') {
      process.stderr.write(`${err.message}\n\n${help}`);
      return 2;
    }
    process.stderr.write(`wapgate phone: ${err.message}\n`);
    return 1;
  }
}

export function usageError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_USAGE' });
}

export { parseArgs };
