/**
 * The validated `gateway:` configuration section (src/config/sections/gateway.ts) → GatewayOptionsInput.
 * Kept apart from serve.ts so tests and the benchmark build the same options from a config object.
 */
import { readFileSync } from 'node:fs';
import type { WapgateConfig } from '../config/index.ts';
import type { GatewayOptionsInput } from '../gateway/options.ts';

export function gatewayOptionsFromConfig(cfg: WapgateConfig): GatewayOptionsInput {
  const g = cfg.gateway;
  const o: GatewayOptionsInput = {
    bind: g.bind,
    clPort: g.clPort,
    coPort: g.coPort,
    allowUpstream: g.allowUpstream,
    via: g.http.via,
    http: {
      connectTimeoutMs: g.http.connectTimeout,
      headersTimeoutMs: g.http.headersTimeout,
      bodyTimeoutMs: g.http.bodyTimeout,
      // The whole exchange may take a connect, the headers and one body gap; past that the handset gets 504.
      requestTimeoutMs: g.http.connectTimeout + g.http.headersTimeout + g.http.bodyTimeout,
      keepAliveTimeoutMs: g.http.keepAliveTimeout,
      connections: g.http.connections,
      pipelining: g.http.pipelining,
      followRedirects: g.http.followRedirects,
      rejectUnauthorized: g.http.tls.rejectUnauthorized,
    },
    session: {
      maxSessions: g.session.max,
      idleTimeoutMs: g.session.idleTimeout,
      suspendedTimeoutMs: g.session.suspendedTimeout,
      methodMor: g.wsp.methodMor,
      pushMor: g.wsp.pushMor,
      clientSduSize: g.wsp.clientSduSize,
      serverSduSize: g.wsp.serverSduSize,
      serverMessageSize: g.maxMessageSize,
      clientMessageSize: g.maxMessageSize,
    },
    wtp: {
      retryIntervalMs: g.wtp.retryInterval,
      ackIntervalMs: g.wtp.ackInterval,
      waitTimeoutMs: g.wtp.waitTimeout,
      maxRetransmissions: g.wtp.maxRetransmissions,
      maxAckExpirations: g.wtp.maxAckExpirations,
      segmentSize: g.wtp.segmentSize,
      groupSize: g.wtp.groupSize,
    },
  };
  if (g.upstream) o.upstream = g.upstream;
  // URL maps (src/gateway/url-map.ts): the config load already checked every target is an allowed origin.
  if (g.urlMap.length > 0) o.urlMap = g.urlMap;
  if (g.redirect.addresses.length > 0) {
    o.redirect = {
      addresses: g.redirect.addresses.map(parseHostPort),
      permanent: g.redirect.permanent,
      reuseSecuritySession: g.redirect.reuseSecuritySession,
    };
  }
  if (g.http.proxy) o.http!.proxy = g.http.proxy;
  if (g.http.tls.ca) o.http!.ca = readFileSync(g.http.tls.ca, 'utf8');
  if (g.http.tls.servername) o.http!.servername = g.http.tls.servername;
  return o;
}

/** '1.2.3.4', '1.2.3.4:9201', '[::1]:9201' → address and optional port. */
export function parseHostPort(text: string): { address: string; port?: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) return v6[2] ? { address: v6[1]!, port: Number(v6[2]) } : { address: v6[1]! };
  const [address = '', port] = text.split(':');
  return port ? { address, port: Number(port) } : { address };
}
