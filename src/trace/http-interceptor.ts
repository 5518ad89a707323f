/**
 * The upstream side of a trace without touching the proxy code: an undici interceptor
 * (`pool.compose(traceInterceptor(tap))`) handing each finished exchange to a PacketTap (src/trace/recorder.ts).
 */
import { lookup } from 'node:dns/promises';
import { isIP, isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Dispatcher } from 'undici';
import { headerLines, nowMs, type Endpoint, type HeaderList, type HttpExchange, type PacketTap } from './recorder.ts';

const resolved = new Map<string, string>();

function localAddressFor(server: string): string {
  if (server === '::1' || server.startsWith('127.')) return server === '::1' ? '::1' : '127.0.0.1';
  const v6 = isIPv6(server);
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (!a.internal && (a.family === 'IPv6') === v6) return a.address;
  return v6 ? '::' : '0.0.0.0';
}

function requestHeaders(h: unknown): [string, string][] {
  const out: [string, string][] = [];
  if (!h) return out;
  if (Array.isArray(h)) {
    if (h.length && Array.isArray(h[0])) for (const [k, v] of h as [string, string][]) out.push([String(k), String(v)]);
    else for (let i = 0; i + 1 < h.length; i += 2) out.push([String(h[i]), String(h[i + 1])]);
    return out;
  }
  if (typeof (h as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [k, v] of h as Iterable<[string, string]>) out.push([String(k), String(v)]);
    return out;
  }
  for (const [k, v] of Object.entries(h as Record<string, unknown>)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) out.push([k, String(one)]);
  }
  return out;
}

/** Request options an upstream call may carry so per-session traces can select it: the handset it is for. */
export interface TraceDispatchOptions {
  traceHandset?: Endpoint;
}

/**
 * An undici interceptor (`pool.compose(traceInterceptor(tap))`) that hands every exchange to the tap once it
 * ends: request line, headers and (Buffer/string) body as sent, response status, headers and body as received;
 * an exchange that failed is recorded without a response. The server address is the origin's IP (a host name is
 * looked up once and cached); the local address, which an interceptor cannot see, is the loopback address for a
 * loopback upstream and otherwise the host's first address of the same family. Costs nothing while
 * `tap.active` is false.
 */
export function traceInterceptor(tap: PacketTap, opts: { maxBody?: number; now?: () => number } = {}): Dispatcher.DispatcherComposeInterceptor {
  const max = opts.maxBody ?? 2_097_152;
  const now = opts.now ?? nowMs;
  return (dispatch) => (o, handler) => {
    if (!tap.active) return dispatch(o, handler);
    const origin = new URL(String(o.origin));
    const host = origin.hostname.replace(/^\[|\]$/g, '');
    const port = Number(origin.port) || (origin.protocol === 'https:' ? 443 : 80);
    const headers = requestHeaders(o.headers);
    if (!headers.some(([k]) => k.toLowerCase() === 'host')) headers.unshift(['Host', origin.host]);
    const body = typeof o.body === 'string' ? Buffer.from(o.body) : o.body instanceof Uint8Array ? o.body : undefined;
    const start = now();
    const chunks: Buffer[] = [];
    let size = 0;
    let response: HttpExchange['response'];
    const emit = () => {
      const x: HttpExchange = {
        client: { address: '' },
        server: { address: '', port },
        request: { method: o.method, target: o.path, headers, body },
        response,
        start,
        end: now(),
      };
      const handset = (o as TraceDispatchOptions).traceHandset;
      if (handset) x.handset = handset;
      if (response) {
        response.body = Buffer.concat(chunks, Math.min(size, max));
        if (size > max) response.headers = [...headerLines(response.headers), ['X-Wapgate-Trace', `body cut from ${size} to ${max} octets`]];
      }
      const write = (ip: string) => {
        x.server.address = ip;
        x.client.address = localAddressFor(ip);
        tap.http(x);
      };
      const known = isIP(host) ? host : resolved.get(host);
      if (known) write(known);
      else
        lookup(host).then(
          (a) => (resolved.set(host, a.address), write(a.address)),
          () => {},
        );
    };
    const traced: Dispatcher.DispatchHandler = {
      onRequestStart: (c, ctx) => handler.onRequestStart?.(c, ctx),
      onRequestUpgrade: (c, s, h, sock) => handler.onRequestUpgrade?.(c, s, h, sock),
      onResponseStart(c, status, h, msg) {
        response = { status, headers: h as HeaderList, ...(msg ? { reason: msg } : {}) };
        return handler.onResponseStart?.(c, status, h, msg);
      },
      onResponseData(c, chunk) {
        if (size < max) chunks.push(chunk.subarray(0, max - size));
        size += chunk.length;
        return handler.onResponseData?.(c, chunk);
      },
      onResponseEnd(c, trailers) {
        emit();
        return handler.onResponseEnd?.(c, trailers);
      },
      onResponseError(c, err) {
        response = undefined;
        emit();
        return handler.onResponseError?.(c, err);
      },
    };
    return dispatch(o, traced);
  };
}
