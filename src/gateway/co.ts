/**
 * Port 9201: WTP responder (src/wtp) → WSP session server (src/wsp/session.ts) → the gateway's method
 * handler. The composition of those three and nothing else.
 */
import type { WapgateMetrics } from '../admin/metrics.ts';
import type { Peer, UdpEndpoint } from '../bearer/udp.ts';
import { realClock } from '../wtp/clock.ts';
import { resolveTimers } from '../wtp/timers.ts';
import { WtpResponder } from '../wtp/index.ts';
import type { ResponderTransaction, WtpEvent, WtpUser } from '../wtp/types.ts';
import { SessionServer, type SessionTx } from '../wsp/session.ts';
import type { GatewayLog, ThrottledWarn } from './log.ts';
import { memoLabels } from './memo.ts';
import type { GatewayOptions } from './options.ts';
import type { MethodHandler } from './transaction.ts';

export class SessionLayer {
  readonly sessions: SessionServer;
  readonly wtp: WtpResponder;

  constructor(
    sock: UdpEndpoint,
    handler: MethodHandler,
    options: GatewayOptions,
    log: GatewayLog,
    throttled: ThrottledWarn,
    metrics?: WapgateMetrics,
  ) {
    const sessionsTotal = metrics ? memoLabels((event) => metrics.sessionsTotal.labels(event!)) : undefined;
    const wtpCounters = metrics ? wtpMetrics(metrics) : undefined;
    const count = (event: string): void => {
      if (!metrics || !sessionsTotal) return;
      sessionsTotal(event).inc();
      // storedSize, not size: size purges idle sessions, a walk of the whole table on every Connect.
      metrics.sessionsActive.set(this.sessions.storedSize);
    };
    const so = options.session;
    // WTP holds a handset with Acks for at most A × AEC_MAX (WAP-224 §9.4.2); the upstream must answer within
    // that, so the handset gets a 504 Reply rather than a provider Abort.
    const t = resolveTimers(options.wtp);
    const holdMs = Math.max(250, t.ackIntervalMs * Math.max(1, t.maxAckExpirations) - 250);
    this.sessions = new SessionServer(
      {
        maxSessions: so.maxSessions,
        idleTimeoutMs: so.idleTimeoutMs,
        suspendedTimeoutMs: so.suspendedTimeoutMs,
        redirect: options.redirect,
        capabilities: {
          clientSduSize: so.clientSduSize,
          serverSduSize: so.serverSduSize,
          clientMessageSize: so.clientMessageSize,
          serverMessageSize: so.serverMessageSize,
          methodMor: so.methodMor,
          pushMor: so.pushMor,
          protocolOptions: { push: true, confirmedPush: true, sessionResume: true, ackHeaders: false, largeDataTransfer: false },
          extendedMethods: Object.entries(so.extendedMethods).map(([t, name]) => ({ pduType: Number(t), name })),
          headerCodePages: [],
        },
      },
      {
        method: (pdu, ctx) =>
          handler.handle(pdu, {
            bearer: 'wsp-co',
            peer: ctx.peer,
            sessionId: ctx.session.id,
            sessionHeaders: ctx.session.headers,
            maxReplyBytes: ctx.maxReplyBytes,
            timeoutMs: holdMs,
            encodingVersion: ctx.session.pduOpts.encodingVersion,
            encode: ctx.encode,
          }),
      },
      {
        connected: (s, replaced) => {
          count('connect');
          log.debug({ session: s.id, client: `${s.peer.address}:${s.peer.port}`, replaced }, 'session connected');
        },
        disconnected: (s, why) => {
          count(why === 'idle' ? 'idle_timeout' : why === 'evicted' ? 'evicted' : 'disconnect');
          handler.sessionEnded(s.id);
          log.debug({ session: s.id, why }, 'session ended');
        },
        suspended: (s) => {
          count('suspend');
          log.debug({ session: s.id }, 'session suspended');
        },
        resumed: (s, moved) => {
          count('resume');
          log.info({ session: s.id, client: `${s.peer.address}:${s.peer.port}`, moved }, 'session resumed');
        },
        redirected: (p) => {
          count('redirect');
          log.info({ client: `${p.address}:${p.port}` }, 'Connect redirected (maintenance)');
        },
        rejected: (reason, p, detail) => throttled.warn(`co-${reason}`, { client: `${p.address}:${p.port}`, detail }, 'WSP PDU refused'),
        failed: (err, p) => log.error({ err, client: p.address }, 'session method failed'),
      },
    );
    const sessions = this.sessions;
    const user: WtpUser = {
      invoke: (tx: ResponderTransaction, data: Buffer, info) => sessions.invoke(tx as SessionTx, data, info),
      abort: (tx: ResponderTransaction) => sessions.aborted(tx as SessionTx),
      resultConfirmed: (tx: ResponderTransaction) => sessions.resultConfirmed(tx as SessionTx),
    };
    this.wtp = new WtpResponder({
      transport: { send: (d: Buffer, p: Peer) => sock.send(d, p) },
      clock: realClock,
      timers: options.wtp,
      user,
      onEvent: (e: WtpEvent) => {
        if (e.kind === 'malformed') throttled.warn('wtp-malformed', { detail: e.error }, 'WTP datagram refused');
        wtpCounters?.(e);
      },
    });
  }

  receive(data: Buffer, peer: Peer): void {
    this.wtp.receive(data, peer);
  }

  sessionCount(): number {
    return this.sessions.size;
  }

  inFlight(): number {
    return this.sessions.inFlight;
  }

  close(): void {
    this.sessions.close();
    this.wtp.close();
  }
}

/** WTP engine events → Prometheus counters (names in src/admin/metrics.ts), label children memoised. */
function wtpMetrics(m: WapgateMetrics): (e: WtpEvent) => void {
  const transactions = memoLabels((cls, outcome) => m.wtpTransactions.labels(cls!, outcome!));
  const retransmissions = memoLabels((pdu) => m.wtpRetransmissions.labels(pdu!));
  const aborts = memoLabels((reason, side) => m.wtpAborts.labels(reason!, side!));
  const segments = memoLabels((dir) => m.sarSegments.labels(dir!));
  const nacks = memoLabels((dir) => m.sarNacks.labels(dir!));
  return (e) => {
    switch (e.kind) {
      case 'transaction':
        if (e.outcome === 'started') m.wtpInFlight.inc();
        else {
          m.wtpInFlight.dec();
          transactions(String(e.class), e.outcome).inc();
        }
        return;
      case 'retransmission':
        retransmissions(e.pdu.toLowerCase()).inc();
        return;
      case 'abort':
        aborts(e.reason.name, e.direction === 'sent' ? 'local' : 'peer').inc();
        return;
      case 'segment':
        segments(e.direction === 'sent' ? 'out' : 'in').inc();
        return;
      case 'nack':
        nacks(e.direction === 'sent' ? 'out' : 'in').inc();
        return;
      default:
        return;
    }
  };
}
