/**
 * The RADIUS accounting server (RFC 2866): the GGSN / PGW / NAS reports each data session, and the subscriber
 * map learns which MSISDN (Calling-Station-Id) and IMSI (3GPP VSA 10415/1) hold which address
 * (Framed-IP-Address, Framed-IPv6-Address, Framed-IPv6-Prefix).
 *
 * Per datagram: source rate limit → client lookup (its secret) → structure (radius-packet.ts) → Request
 * Authenticator and Message-Authenticator (the shared secret, every request) → duplicate cache → attribute
 * extraction → apply to the map → Accounting-Response (after the upstream answered, when forwarding waits).
 * Anything invalid is dropped silently (RFC 2865 §3, RFC 2866 §3: no answer to a bad authenticator) and
 * counted by reason; nothing invalid ever changes the map.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import radius, { type DecodedPacket } from 'radius';
import { CidrTable, isIpv6Text, parseCidr, parseIp } from '../net/ip.ts';
import { boundedLru } from './bounded-lru.ts';
import { RADIUS_SERVER_DEFAULTS, RADIUS_UPSTREAM_DEFAULTS, type RadiusServerOptions } from './options.ts';
import {
  ACCT_STATUS,
  DROP_REASONS,
  accountingRequestAuthentic,
  addResponseMessageAuthenticator,
  checkAccountingRequest,
  extractAccounting,
  messageAuthenticatorValid,
  type AccountingInfo,
  type DropReason,
  type RawAttr,
} from './radius-packet.ts';
import { RadiusForwarder, type UpstreamCounters } from './radius-upstream.ts';
import type { SubscriberMap } from './subscriber-map.ts';
import { TokenBuckets } from './token-bucket.ts';

export interface RadiusCounters {
  /** Datagrams received. */
  received: number;
  /** Accounting-Responses sent (including repeats for duplicates). */
  responses: number;
  /** Retransmissions answered from the duplicate cache. */
  duplicates: number;
  /** Retransmissions of a request still waiting for the upstream (ignored). */
  duplicatesInFlight: number;
  starts: number;
  interims: number;
  stops: number;
  /** Accounting-On / Accounting-Off (NAS restart: its bindings are dropped). */
  nasRestarts: number;
  /** Other Acct-Status-Type values (answered, not applied). */
  otherStatus: number;
  /** Valid requests whose content could not be applied (answered; the map is left consistent). */
  ignored: { noAddress: number; noMsisdn: number; badMsisdn: number; staleInterim: number; stopMismatch: number };
  /** Dropped datagrams by reason (never answered, never applied). */
  dropped: Record<DropReason, number>;
  upstream?: UpstreamCounters;
}

export interface RadiusAccountingServer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The bound address once started. */
  readonly address: AddressInfo | undefined;
  readonly counters: Readonly<RadiusCounters>;
}

type CachedAnswer = { state: 'answered'; response: Buffer } | { state: 'in-flight' };

export function createRadiusAccountingServer(
  options: Partial<RadiusServerOptions> & { secret?: string },
  map: SubscriberMap,
): RadiusAccountingServer {
  const opts: RadiusServerOptions = { ...RADIUS_SERVER_DEFAULTS, secret: '', ...options };
  if (!opts.secret && opts.clients.length === 0) throw new Error('radius: a shared secret (or a clients list) is required');
  const now = opts.now ?? Date.now;
  const sink = opts.log;
  const log = (level: 'info' | 'warn', fields: Record<string, unknown>, msg: string): void => {
    if (typeof sink === 'function') sink(level, fields, msg);
    else sink?.[level](fields, msg);
  };
  const msisdnRe = new RegExp(`^(?:${opts.msisdnPattern})$`);
  const clients = new CidrTable<string>();
  for (const c of opts.clients) {
    const cidr = parseCidr(c.cidr);
    if (!cidr) throw new Error(`radius clients: ${JSON.stringify(c.cidr)} is not an address or CIDR prefix`);
    if (!c.secret) throw new Error(`radius clients: ${c.cidr} has an empty secret`);
    clients.set(cidr, c.secret);
  }
  const upstreamOpts = opts.upstream ? { ...RADIUS_UPSTREAM_DEFAULTS, ...opts.upstream } : undefined;
  const forwarder = upstreamOpts ? new RadiusForwarder(upstreamOpts) : undefined;

  const dropped = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  const counters: RadiusCounters = {
    received: 0,
    responses: 0,
    duplicates: 0,
    duplicatesInFlight: 0,
    starts: 0,
    interims: 0,
    stops: 0,
    nasRestarts: 0,
    otherStatus: 0,
    ignored: { noAddress: 0, noMsisdn: 0, badMsisdn: 0, staleInterim: 0, stopMismatch: 0 },
    dropped,
    ...(forwarder ? { upstream: forwarder.counters } : {}),
  };

  // RFC 5080 §2.2.2: a retransmission (same source, Identifier and Request Authenticator) gets the same answer
  // and is not processed again.
  const answers = boundedLru<string, CachedAnswer>(opts.duplicateCacheSize, {
    ttl: Math.max(1, opts.duplicateTtlMs),
    ttlResolution: 0,
    perf: { now },
  });
  const stopped = boundedLru<string, true>(opts.stoppedSessionMemory);
  const buckets = new TokenBuckets(opts.maxRequestsPerSecond, opts.burst, 10_000);
  const lastLog = new Map<string, number>();
  let socket: Socket | undefined;

  const drop = (reason: DropReason, rinfo: RemoteInfo): void => {
    dropped[reason]++;
    const t = now();
    // At most one log line per reason per second, whatever the flood.
    if ((lastLog.get(reason) ?? -Infinity) + 1000 <= t) {
      lastLog.set(reason, t);
      log('warn', { reason, source: `${rinfo.address}:${rinfo.port}`, count: dropped[reason] }, 'radius request dropped');
    }
  };

  const secretFor = (address: string): string | undefined => {
    if (clients.size === 0) return opts.secret;
    const ip = parseIp(address);
    return ip ? clients.match(ip)?.value : undefined;
  };

  function apply(info: AccountingInfo, source: string): void {
    const nas = info.nasIp ?? info.nasIdentifier ?? source;
    const addresses = [info.framedIp, info.framedIpv6Address, info.framedIpv6Prefix].filter(
      (a): a is string => a !== undefined,
    );
    const sessionKey = info.sessionId !== undefined ? `${nas}|${info.sessionId}` : undefined;
    switch (info.statusType) {
      case ACCT_STATUS.START:
      case ACCT_STATUS.INTERIM_UPDATE: {
        const start = info.statusType === ACCT_STATUS.START;
        if (start) counters.starts++;
        else counters.interims++;
        if (addresses.length === 0) {
          counters.ignored.noAddress++;
          return;
        }
        if (!start && sessionKey && stopped.has(sessionKey)) {
          // A late Interim-Update of a session already stopped must not bring its binding back.
          counters.ignored.staleInterim++;
          return;
        }
        if (start && sessionKey) stopped.delete(sessionKey);
        const msisdn = info.callingStationId?.trim();
        const usable = msisdn !== undefined && msisdn !== '' && msisdn.length <= 64 && msisdnRe.test(msisdn);
        if (!usable) {
          if (msisdn === undefined || msisdn === '') counters.ignored.noMsisdn++;
          else counters.ignored.badMsisdn++;
          // The address now belongs to a session we cannot name: whatever it was bound to is no longer true.
          for (const a of addresses) {
            const cur = map.record(a);
            if (cur?.source === 'radius' && (start || cur.sessionId !== info.sessionId)) map.unbind(a);
          }
          return;
        }
        for (const a of addresses) {
          map.bind(a, {
            msisdn,
            ...(info.imsi !== undefined && /^[0-9]{5,15}$/.test(info.imsi) ? { imsi: info.imsi } : {}),
            ...(info.sessionId !== undefined ? { sessionId: info.sessionId } : {}),
            nas,
            ...(info.calledStationId !== undefined ? { apn: info.calledStationId } : {}),
            ...(info.userName !== undefined ? { userName: info.userName } : {}),
            ...(info.threeGpp ? { threeGpp: info.threeGpp } : {}),
          });
        }
        return;
      }
      case ACCT_STATUS.STOP: {
        counters.stops++;
        if (sessionKey) stopped.set(sessionKey, true);
        const msisdn = info.callingStationId?.trim();
        for (const a of addresses) {
          const match = {
            ...(info.sessionId !== undefined ? { sessionId: info.sessionId } : {}),
            ...(msisdn ? { msisdn } : {}),
          };
          if (map.unbind(a, match) === 'mismatch') counters.ignored.stopMismatch++;
        }
        return;
      }
      case ACCT_STATUS.ACCOUNTING_ON:
      case ACCT_STATUS.ACCOUNTING_OFF:
        // RFC 2866 §5.1: the NAS (re)started or is going down: none of its sessions survive.
        counters.nasRestarts++;
        map.unbindNas(nas);
        return;
      default:
        counters.otherStatus++;
        return;
    }
  }

  function respond(decoded: DecodedPacket, info: AccountingInfo, secret: string, rinfo: RemoteInfo): Buffer {
    let response: Buffer;
    if (info.hasMessageAuthenticator) {
      // The library would compute the response's Message-Authenticator over the Request Authenticator;
      // FreeRADIUS (radclient) expects it over zeros for accounting, so it is added here.
      const bare: DecodedPacket = { ...decoded, attributes: { ...decoded.attributes } };
      delete bare.attributes['Message-Authenticator'];
      response = addResponseMessageAuthenticator(
        radius.encode_response({ packet: bare, code: 'Accounting-Response', secret }),
        info.authenticator,
        secret,
      );
    } else {
      response = radius.encode_response({ packet: decoded, code: 'Accounting-Response', secret });
    }
    send(response, rinfo);
    return response;
  }

  function send(buf: Buffer, rinfo: RemoteInfo): void {
    counters.responses++;
    socket?.send(buf, rinfo.port, rinfo.address);
  }

  function onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    counters.received++;
    if (!buckets.take(rinfo.address, now())) return drop('rate-limited', rinfo);
    const secret = secretFor(rinfo.address);
    if (secret === undefined) return drop('unknown-client', rinfo);
    const s = checkAccountingRequest(msg);
    if (!s.ok) return drop(s.reason, rinfo);
    if (!accountingRequestAuthentic(s.packet, secret)) return drop('bad-authenticator', rinfo);
    if (messageAuthenticatorValid(s.packet, s.attrs, secret) === false) return drop('bad-message-authenticator', rinfo);

    const key = `${rinfo.address}|${rinfo.port}|${s.packet[1]}|${s.packet.subarray(4, 20).toString('hex')}`;
    const cached = answers.get(key);
    if (cached?.state === 'answered') {
      counters.duplicates++;
      send(cached.response, rinfo);
      return;
    }
    if (cached?.state === 'in-flight') {
      counters.duplicatesInFlight++;
      return;
    }

    const x = extractAccounting(s.packet, s.attrs);
    if (!x.ok) return drop(x.reason, rinfo);
    let decoded: DecodedPacket;
    try {
      decoded = radius.decode_without_secret({ packet: s.packet });
    } catch {
      return drop('malformed', rinfo);
    }

    if (forwarder && upstreamOpts?.waitForUpstream) {
      const pending = forwarder.forward(s.attrs as RawAttr[]);
      if (pending === 'busy') return drop('upstream-busy', rinfo);
      apply(x.info, rinfo.address);
      answers.set(key, { state: 'in-flight' });
      void pending.then((ok) => {
        if (!socket) return;
        if (!ok) {
          // No answer for the NAS: it retransmits, and the retransmission is forwarded afresh.
          answers.delete(key);
          return;
        }
        answers.set(key, { state: 'answered', response: respond(decoded, x.info, secret, rinfo) });
      });
      return;
    }
    apply(x.info, rinfo.address);
    answers.set(key, { state: 'answered', response: respond(decoded, x.info, secret, rinfo) });
    if (forwarder) {
      const pending = forwarder.forward(s.attrs as RawAttr[]);
      if (pending !== 'busy') void pending;
    }
  }

  return {
    async start() {
      if (socket) return;
      const sock = createSocket({ type: isIpv6Text(opts.bind) ? 'udp6' : 'udp4' });
      sock.on('message', (msg, rinfo) => {
        try {
          onMessage(msg, rinfo);
        } catch (e) {
          // Belt and braces: nothing above should throw; if it does, the datagram is dropped, not the server.
          dropped.malformed++;
          log('warn', { err: String(e) }, 'radius request failed');
        }
      });
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind(opts.port, opts.bind, () => {
          sock.off('error', reject);
          resolve();
        });
      });
      sock.on('error', (e) => log('warn', { err: String(e) }, 'radius socket error'));
      if (forwarder) await forwarder.start();
      socket = sock;
      const a = sock.address();
      log('info', { address: a.address, port: a.port, upstream: upstreamOpts?.host }, 'radius accounting server listening');
    },
    async stop() {
      const sock = socket;
      socket = undefined;
      forwarder?.stop();
      if (sock) await new Promise<void>((resolve) => sock.close(() => resolve()));
    },
    get address() {
      return socket?.address();
    },
    counters,
  };
}
