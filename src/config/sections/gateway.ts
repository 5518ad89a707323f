/**
 * `gateway:` — the UDP listeners (WSP connectionless 9200, WTP + WSP sessions 9201), the upstream(s) and how
 * wapgate talks HTTP to them, session limits and the WSP/WTP knobs. Owned by the gateway area; extend here.
 */
import * as z from 'zod';
import { DEFAULT_OPTIONS as GW } from '../../gateway/options.ts';
import { DEFAULT_WTP_TIMERS as WTP } from '../../wtp/timers.ts';
import { UrlMap, UrlMapError, parseMapRule } from '../../gateway/url-map.ts';
import { duration, group, httpUrl, ipAddress, key, origin, port, size } from '../meta.ts';

// Defaults come from the areas' own option files, so the configuration and the code cannot disagree.

export const gatewaySection = group({
  bind: key(ipAddress().default('127.0.0.1'), {
    description:
      'Address the UDP listeners bind (IPv4 or IPv6). 127.0.0.1 keeps the gateway on this machine; use 0.0.0.0 or :: to serve handsets on the network.',
    flag: 'bind',
  }),
  clPort: key(port().default(9200), { description: 'UDP port for connectionless WSP (and unit push out).', flag: 'cl-port' }),
  coPort: key(port().default(9201), { description: 'UDP port for WTP and connection-oriented WSP sessions.', flag: 'co-port' }),
  upstream: key(httpUrl().optional(), {
    description:
      'Default upstream (the MMSC, e.g. http://mmsc.example:8002/mms); relative request URIs resolve against it. Unset: the embedded reference MMSC (see mmsc.embedded).',
    flag: 'upstream',
    reloadable: true,
  }),
  allowUpstream: key(z.array(origin()).default([]), {
    description:
      "Origins the gateway may fetch besides the default upstream's own (never an open proxy). Anything else gets a WSP 403.",
    flag: 'allow-upstream',
    repeatable: true,
    reloadable: true,
  }),
  urlMap: key(
    z
      .array(
        z.union([
          z.string().transform((t, ctx) => {
            try {
              return parseMapRule(t);
            } catch (e) {
              ctx.addIssue({ code: 'custom', input: t, message: (e as Error).message });
              return z.NEVER;
            }
          }),
          z.strictObject({ from: z.string().min(1), to: z.string().min(1), keepHost: z.boolean().optional() }),
        ]),
      )
      .default([]),
    {
      description:
        "URL maps as Kannel's map-url, tried in order before the allow-list judges the result: 'FROM TO' (a trailing * on both maps a prefix), 'DEVICE:home TO', 'FROM TO keep-host' to send the requested Host; or {from, to, keepHost}. Every TO must be an allowed origin.",
      flag: 'map-url',
      repeatable: true,
      reloadable: true,
    },
  ),
  workers: key(z.union([z.number().int().min(0).max(64), z.literal('auto')]).default(1), {
    description:
      "Gateway threads: 1 serves everything in the main thread (the fastest path on one core); N > 1 runs N worker threads, the main thread owning the UDP sockets and routing each client address to one worker (a WTP transaction and a WSP session never move); 0 or 'auto' = one per CPU.",
  }),
  drainTimeout: key(duration().default(10_000), {
    description:
      'On SIGTERM, how long in-flight transactions may take before they are aborted (ms or 10s); a second signal exits at once.',
  }),
  maxMessageSize: key(size().default(GW.session.serverMessageSize), {
    description: 'Largest WSP request or reply body, in octets (or 300KB, 1MiB); larger ones get a defined error reply.',
  }),
  http: group({
    connectTimeout: key(duration().default(GW.http.connectTimeoutMs), { description: 'Upstream TCP/TLS connect timeout (ms or 5s).' }),
    headersTimeout: key(duration().default(GW.http.headersTimeoutMs), { description: 'Time to wait for the upstream response headers.' }),
    bodyTimeout: key(duration().default(GW.http.bodyTimeoutMs), { description: 'Longest idle gap while reading the upstream body.' }),
    keepAliveTimeout: key(duration().default(GW.http.keepAliveTimeoutMs), { description: 'How long an idle upstream connection is kept.' }),
    connections: key(z.number().int().min(1).max(1024).default(GW.http.connections), {
      description: 'Maximum TCP connections per upstream origin.',
    }),
    pipelining: key(z.number().int().min(1).max(64).default(GW.http.pipelining), {
      description: 'HTTP/1.1 requests pipelined per connection (1 = no pipelining).',
    }),
    proxy: key(httpUrl().optional(), { description: 'Optional HTTP proxy for upstream requests (http://host:port).' }),
    followRedirects: key(z.boolean().default(GW.http.followRedirects), {
      description: 'Follow upstream redirects instead of passing 3xx to the handset.',
    }),
    via: key(z.string().min(1).default(GW.via), { description: 'Value added to the Via request header.' }),
    tls: group({
      rejectUnauthorized: key(z.boolean().default(GW.http.rejectUnauthorized), {
        description: 'Check upstream TLS certificates (turn off only in a lab).',
      }),
      ca: key(z.string().optional(), { description: 'PEM file of extra CA certificates trusted for upstream TLS.' }),
      servername: key(z.string().optional(), { description: 'SNI name to send instead of the URL host.' }),
    }),
  }),
  session: group({
    max: key(z.number().int().min(1).default(GW.session.maxSessions), {
      description: 'Most concurrent WSP sessions; the least recently used one is evicted beyond it.',
    }),
    idleTimeout: key(duration().default(GW.session.idleTimeoutMs), { description: 'A session idle this long is dropped (ms or 15m).' }),
    suspendedTimeout: key(duration().default(GW.session.suspendedTimeoutMs), {
      description: 'A suspended session is kept this long for a Resume (ms or 1h).',
    }),
  }),
  redirect: group({
    addresses: key(z.array(z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[0-9.]+)(:\d{1,5})?$/)).default([]), {
      description:
        "Maintenance: when non-empty, every Connect is answered with a WSP Redirect to these 'ADDR[:PORT]' entries ([v6]:port for IPv6) and no session is made.",
      reloadable: true,
    }),
    permanent: key(z.boolean().default(false), { description: 'Redirect permanently (the handset should keep the new address).' }),
    reuseSecuritySession: key(z.boolean().default(false), { description: 'The handset may reuse its WTLS session at the new address.' }),
  }),
  wsp: group({
    methodMor: key(z.number().int().min(1).max(255).default(GW.session.methodMor), {
      description: 'Most outstanding method requests per session the gateway accepts (negotiated down).',
    }),
    pushMor: key(z.number().int().min(1).max(255).default(GW.session.pushMor), {
      description: 'Most outstanding confirmed pushes per session.',
    }),
    // WAP-230 §8.3.2.1: Client-SDU-Size is what the client can receive, Server-SDU-Size what the server can.
    clientSduSize: key(size().default(GW.session.clientSduSize), {
      description: "Client-SDU-Size offered at capability negotiation: the largest SDU the gateway sends to a handset (the handset's own smaller value wins).",
    }),
    serverSduSize: key(size().default(GW.session.serverSduSize), {
      description: 'Server-SDU-Size offered at capability negotiation: the largest SDU the gateway accepts from a handset.',
    }),
  }),
  wtp: group({
    retryInterval: key(duration().default(WTP.retryIntervalMs), { description: 'WTP retry timer R: wait before retransmitting.' }),
    ackInterval: key(duration().default(WTP.ackIntervalMs), {
      description: 'WTP acknowledgement timer A: hold-on Ack sent when the upstream is slower than this.',
    }),
    waitTimeout: key(duration().default(WTP.waitTimeoutMs), {
      description: 'WTP wait timer W: how long a finished transaction is remembered for duplicates.',
    }),
    maxRetransmissions: key(z.number().int().min(0).max(32).default(WTP.maxRetransmissions), {
      description: 'WTP RCR_MAX: retransmissions before a transaction is aborted.',
    }),
    maxAckExpirations: key(z.number().int().min(0).max(32).default(WTP.maxAckExpirations), {
      description: 'WTP AEC_MAX: acknowledgement timer expirations before giving up.',
    }),
    segmentSize: key(z.number().int().min(64).max(65_000).default(WTP.segmentSize), {
      description: 'Largest WTP SAR segment payload sent, in octets.',
    }),
    groupSize: key(z.number().int().min(1).max(255).default(WTP.groupSize), {
      description: 'SAR segments sent per group before waiting for an Ack.',
    }),
  }),
}).superRefine((g, ctx) => {
  // src/gateway/url-map.ts: a map never opens the proxy — every TO is an allowed origin (checked at load).
  if (g.urlMap.length === 0) return;
  try {
    const map = new UrlMap(g.urlMap);
    map.checkTargets([...g.allowUpstream.map((o) => o.replace(/\/$/, '')), ...(g.upstream ? [new URL(g.upstream).origin] : [])]);
  } catch (e) {
    if (!(e instanceof UrlMapError)) throw e;
    ctx.addIssue({ code: 'custom', path: ['urlMap'], input: g.urlMap, message: e.message });
  }
});
