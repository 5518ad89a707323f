/**
 * The gateway's composition root (DESIGN.md): UDP 9200 → connectionless WSP, UDP 9201 → WTP responder → WSP
 * sessions, both answered through one HTTP proxy. `createGateway(options, deps)` is what serve.ts, the tests
 * and the benchmark compose; identity, policy and charging plug in through src/gateway/hooks.ts.
 */
import { UdpEndpoint, type DatagramTap, type Peer } from '../bearer/udp.ts';
import { ConnectionlessServer } from '../wsp/connectionless-server.ts';
import type { WspPdu } from '../wsp/pdu-types.ts';
import type { WapgateMetrics } from '../admin/metrics.ts';
import type { ContentConverter } from '../content/converter.ts';
import type { HttpExchange } from '../trace/recorder.ts';
import type { ChargingSink, ClientPolicy, Enricher } from './hooks.ts';
import { silentLogger, ThrottledWarn, type GatewayLog } from './log.ts';
import { resolveOptions, type GatewayOptions, type GatewayOptionsInput, type RedirectOptions } from './options.ts';
import { checkedUrlMap, type UrlMapRule } from './url-map.ts';
import { HttpProxy } from './proxy.ts';
import { GatewayAdmission } from './admission.ts';
import { MethodHandler } from './transaction.ts';
import { SessionLayer } from './co.ts';
import { coRoute, SessionPush } from './confirmed-push.ts';

export interface GatewayDeps {
  log?: GatewayLog;
  policy?: ClientPolicy;
  enricher?: Enricher;
  charging?: ChargingSink;
  /** Prometheus metrics (src/admin/metrics.ts); absent = no metric work on the hot path. */
  metrics?: WapgateMetrics;
  /** Sees the upstream HTTP exchanges (pcap traces: src/trace/recorder.ts TraceHub); datagrams: setTap. */
  trace?: { readonly active: boolean; http(x: HttpExchange): void };
  /**
   * The two UDP endpoints, when not sockets of this thread: a worker thread's relay endpoints
   * (src/gateway/worker-main.ts). Absent = bind options.bind:clPort/coPort here.
   */
  endpoints?: { cl: UdpEndpoint; co: UdpEndpoint };
  /** Content conversion for handsets (src/content/: wmlc, wmlscriptc, charsets, cookies); absent = bodies pass. */
  content?: ContentConverter;
}

export interface Gateway {
  readonly options: GatewayOptions;
  start(): Promise<void>;
  /** Stops taking datagrams, lets in-flight methods finish (up to graceMs), closes sockets and pools. */
  stop(graceMs?: number): Promise<void>;
  /** Bound addresses (after start). */
  readonly addresses: { cl: Peer; co: Peer };
  /** S-Unit-Push out of the connectionless port (for the PPG); returns the TID used. */
  sendUnitPush(peer: Peer, pdu: WspPdu, tid?: number): number;
  /**
   * One datagram out of the connectionless port, exactly these octets, never decoded (WAP-259 §6.3 WDP over IP:
   * the sendsms interface's WAP Push). Throws when the gateway is not started.
   */
  sendDatagram(peer: Peer, payload: Uint8Array): void;
  /**
   * WAP-230 §8.2.4 S-ConfirmedPush: `data` (an encoded WSP ConfirmedPush PDU) in a WTP class 1 Invoke out of the
   * connection-oriented port to the client of the connected session at `address`; resolves with the client's
   * address:port once it acknowledged. Rejects with NoPushSessionError (src/gateway/confirmed-push.ts: no
   * session there, or it did not negotiate confirmed push) or WtpAbortError (the client aborted, or never acked).
   */
  confirmedPush(address: string, data: Buffer): Promise<Peer>;
  /**
   * Shutdown's first step: from now on methods not yet started get a 503 Reply at once (never fetched); what is
   * in flight goes on. stop() then drains.
   */
  refuseNew(): void;
  /** Replace the upstream allow-list (SIGHUP). */
  setAllowedUpstreams(origins: readonly string[]): void;
  /** Replace the URL map (SIGHUP); throws UrlMapError, leaving the running map, when a target is not allowed. */
  setUrlMap(rules: readonly UrlMapRule[]): void;
  /** Replace the default upstream relative URIs resolve against (SIGHUP); pair with setAllowedUpstreams. */
  setUpstream(upstream: string | undefined): void;
  /** Replace the maintenance redirect for new Connects (SIGHUP); undefined = take sessions again. */
  setRedirect(redirect: RedirectOptions | undefined): void;
  /** Counters for status/metrics. */
  stats(): GatewayStats;
  /** Sees every datagram on both ports (pcap tracing: src/trace/pcap.ts); undefined removes it. */
  setTap(tap: DatagramTap | undefined): void;
}

export interface GatewayStats {
  cl: UdpEndpoint['stats'] & { inFlight: number };
  co: UdpEndpoint['stats'] & { sessions: number; inFlight: number };
  rejected: Record<string, number>;
}

export function createGateway(input: GatewayOptionsInput | GatewayOptions = {}, deps: GatewayDeps = {}): Gateway {
  const options = resolveOptions(input as GatewayOptionsInput);
  const log = deps.log ?? silentLogger();
  const throttled = new ThrottledWarn(log, 1000, Date.now, (reason) => deps.metrics?.rejectedInputs.labels('udp', reason).inc());
  const proxy = new HttpProxy(options.http, options.upstream, options.allowUpstream, options.via, {
    enricher: deps.enricher,
    warn: (o, m) => log.debug(o, m),
    ...(deps.trace ? { trace: deps.trace, traceAddress: options.bind } : {}),
  });
  // URL maps (url-map.ts) before the allow-list; a target not allowed is refused here (UrlMapError).
  if (options.urlMap?.length) proxy.setUrlMap(checkedUrlMap(options.urlMap, options.allowUpstream));
  // refuseNew(): every new method (connectionless, or in a session) is answered 503 without reaching the upstream.
  const admission = new GatewayAdmission(deps.policy);
  const handler = new MethodHandler({
    proxy,
    log,
    admission,
    enricher: deps.enricher,
    charging: deps.charging,
    metrics: deps.metrics,
    content: deps.content,
  });

  const clSock = deps.endpoints?.cl ?? new UdpEndpoint({ address: options.bind, port: options.clPort, bufferBytes: options.socketBufferBytes });
  const coSock = deps.endpoints?.co ?? new UdpEndpoint({ address: options.bind, port: options.coPort, bufferBytes: options.socketBufferBytes });
  const cl = new ConnectionlessServer(
    clSock,
    {
      method: (pdu, peer, encode) =>
        handler.handle(pdu, { bearer: 'wsp-cl', peer, maxReplyBytes: options.clMaxMessageSize, encode }),
    },
    {
      dropped: (reason, peer, detail) =>
        throttled.warn(`cl-${reason}`, { client: `${peer.address}:${peer.port}`, detail }, 'connectionless datagram dropped'),
      failed: (err, peer) => log.error({ err, client: peer.address }, 'connectionless method failed'),
    },
    options.clMaxInFlight,
  );
  const co = new SessionLayer(coSock, handler, options, log, throttled, deps.metrics);
  // The server's own WTP initiator on 9201 (confirmed push); what arrives for it is told apart by the TID
  // direction bit (coRoute), the rest goes to the responder as before.
  const push = new SessionPush({
    send: (d, p) => coSock.send(d, p),
    sessions: co.sessions,
    timers: options.wtp,
    onEvent: (e) => {
      if (e.kind === 'malformed') throttled.warn('wtp-malformed', { detail: e.error }, 'WTP datagram refused');
    },
  });
  const coReceive = (d: Buffer, p: Peer): void => {
    const to = coRoute(d, push.busy);
    if (to !== 'initiator') co.receive(d, p);
    if (to !== 'responder') push.receive(d, p);
  };
  if (deps.metrics) {
    // Pre-bound children: one hash lookup per datagram saved (src/admin/metrics.ts note).
    const m = deps.metrics;
    for (const [sock, port, receive] of [
      [clSock, options.clPort, (d: Buffer, p: Peer) => cl.receive(d, p)],
      [coSock, options.coPort, coReceive],
    ] as const) {
      // Labelled with the port actually bound: with port 0 (ephemeral) the label follows once bound.
      const children = (label: string) => [m.datagramsIn.labels(label), m.bytesIn.labels(label), m.datagramsOut.labels(label), m.bytesOut.labels(label)] as const;
      let [dIn, bIn, dOut, bOut] = children(String(port));
      let bound = port !== 0;
      sock.onDatagram((d, p) => {
        if (!bound) {
          [dIn, bIn, dOut, bOut] = children(String(sock.address().port));
          bound = true;
        }
        dIn.inc();
        bIn.inc(d.length);
        receive(d, p);
      });
      sock.onSent((n) => {
        if (!bound) {
          [dIn, bIn, dOut, bOut] = children(String(sock.address().port));
          bound = true;
        }
        dOut.inc();
        bOut.inc(n);
      });
    }
  } else {
    clSock.onDatagram((d, p) => cl.receive(d, p));
    coSock.onDatagram(coReceive);
  }
  // A datagram the kernel refuses (ENOBUFS under a flood, EINVAL): logged at most once a second per socket, the
  // rest counted as suppressed in the next line — a flood of failures never floods the log.
  const sendErrors = new ThrottledWarn(log);
  for (const [name, s] of [['cl', clSock], ['co', coSock]] as const) {
    s.onError((err) => log.error({ err, port: name }, 'UDP socket error'));
    s.onSendError((err, p) => sendErrors.error(`send-${name}`, { err, port: name, client: `${p.address}:${p.port}` }, 'UDP datagram not sent'));
  }

  let addresses: { cl: Peer; co: Peer } | undefined;
  return {
    options,
    async start() {
      const a = await clSock.start();
      try {
        const b = await coSock.start();
        addresses = { cl: a, co: b };
      } catch (e) {
        await clSock.stop();
        throw e;
      }
      log.info(
        { cl: `${addresses.cl.address}:${addresses.cl.port}`, co: `${addresses.co.address}:${addresses.co.port}`, upstream: options.upstream, allow: options.allowUpstream },
        'wapgate listening',
      );
    },
    async stop(graceMs = 5000) {
      // No new methods on either port (503 at once); WTP goes on carrying what is in flight (Acks, SAR, Results).
      admission.drain();
      const deadline = Date.now() + graceMs;
      // In flight: methods waiting for the upstream, and WTP transactions still carrying their Result (SAR
      // segments, or waiting for the Ack): WSP counts a method done once it hands the Result to WTP.
      while ((cl.inFlight > 0 || co.inFlight() > 0 || co.wtp.activeTransactions > 0 || push.busy) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      co.close();
      push.close();
      await Promise.all([clSock.stop(), coSock.stop()]);
      await proxy.close();
      await deps.charging?.flush();
      log.info('wapgate stopped');
    },
    get addresses() {
      if (!addresses) throw new Error('gateway not started');
      return addresses;
    },
    sendUnitPush: (peer, pdu, tid) => cl.sendUnitPush(peer, pdu, tid),
    confirmedPush: (address, data) => (addresses ? push.push(address, data) : Promise.reject(new Error('gateway not started'))),
    sendDatagram: (peer, payload) => {
      if (!addresses) throw new Error('gateway not started');
      clSock.send(payload, peer);
    },
    refuseNew: () => {
      if (!admission.isDraining) log.info('refusing new methods (503): shutting down');
      admission.drain();
    },
    setAllowedUpstreams: (origins) => proxy.setAllowed(origins),
    setUpstream: (upstream) => proxy.setUpstream(upstream),
    setUrlMap: (rules) => proxy.setUrlMap(checkedUrlMap(rules, (o) => proxy.isAllowed(o))),
    setRedirect: (redirect) => co.sessions.setRedirect(redirect),
    setTap: (tap) => {
      clSock.setTap(tap);
      coSock.setTap(tap);
    },
    stats: () => ({
      cl: { ...clSock.stats, inFlight: cl.inFlight },
      co: { ...coSock.stats, sessions: co.sessionCount(), inFlight: co.inFlight() },
      rejected: Object.fromEntries(throttled.counts),
    }),
  };
}

export { resolveOptions, type GatewayOptions, type GatewayOptionsInput } from './options.ts';
export { NoPushSessionError } from './confirmed-push.ts';
