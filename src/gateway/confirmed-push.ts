/**
 * The server side of WSP confirmed push (WAP-230 §8.2.4 S-ConfirmedPush, WAP-235 §6.2 OTA-WSP): a WTP initiator
 * on the gateway's own connection-oriented socket (UDP 9201), beside the responder that serves the handsets'
 * methods. A ConfirmedPush goes in a class 1 Invoke with U/P set to the client of a connected session that
 * negotiated confirmed push, from the port that session speaks to; the client's Ack is S-ConfirmedPush.cnf.
 *
 * Which engine a datagram arriving on 9201 belongs to is told by the TID direction bit (WAP-224 §8.2.3 / §9.4):
 * clear when an initiator sent it (a handset's Invoke, its Acks of our Results: the responder's), set when a
 * responder sent it (the handset's Ack or Abort of our Invoke: the initiator's). Kannel's wtp.c makes the same
 * split (wtp_event_is_for_responder); its push state machine sends from the session's address tuple.
 */
import type { Peer } from '../bearer/udp.ts';
import type { Clock } from '../wtp/clock.ts';
import { WtpInitiator, wtpDirection, type WtpEvent, type WtpTimers } from '../wtp/index.ts';

/**
 * No connected session at that address takes confirmed push (WAP-235 §6.2: confirmed push needs one): none at
 * all ('no-session': a Session Initiation Request may get one), or one that did not negotiate the Confirmed Push
 * Facility ('no-confirmed-push': asking again would not help).
 */
export class NoPushSessionError extends Error {
  override readonly name = 'NoPushSessionError';
  readonly code = 'WSP_ERR_NO_PUSH_SESSION';
  constructor(
    readonly address: string,
    readonly reason: 'no-session' | 'no-confirmed-push' = 'no-session',
    readonly detail = reason === 'no-session' ? 'no connected WSP session' : 'the WSP session did not negotiate confirmed push',
  ) {
    super(`${detail} from ${address} for a confirmed push`);
  }
}

/** What confirmed push needs of the session layer: the connected session of a client address. */
export interface PushSessions {
  connectedAt(address: string): { id: number; peer: Peer; caps: { protocolOptions?: { confirmedPush: boolean } } } | undefined;
}

/** Which engine(s) of the 9201 socket a datagram goes to. */
export type CoRoute = 'responder' | 'initiator' | 'both';

/**
 * WAP-224 §8.2.3: the TID direction bit of the first PDU. A concatenated datagram (§8.5.1) may carry PDUs of
 * both directions: each engine then takes its own (both skip the others' PDUs), but only while the initiator
 * has something outstanding, so the method path decodes once. Too short to read a TID: the responder's, as
 * before (it answers what it can).
 */
export function coRoute(datagram: Buffer, initiatorBusy: boolean): CoRoute {
  const dir = wtpDirection(datagram);
  if (dir === undefined) return 'responder';
  if (datagram[0] === 0x00) return initiatorBusy ? 'both' : dir === 'toInitiator' ? 'initiator' : 'responder';
  return dir === 'toInitiator' ? 'initiator' : 'responder';
}

export interface SessionPushOptions {
  send(datagram: Buffer, peer: Peer): void;
  sessions: PushSessions;
  timers?: Partial<WtpTimers>;
  clock?: Clock;
  onEvent?: (e: WtpEvent) => void;
}

/** The gateway's confirmed-push initiator: one per gateway (per worker thread with gateway.workers > 1). */
export class SessionPush {
  readonly wtp: WtpInitiator;
  /** Per session: the last push handed to WTP; the next waits for it (Push-MOR: at most one outstanding). */
  private readonly tails = new Map<number, Promise<unknown>>();

  constructor(private readonly o: SessionPushOptions) {
    this.wtp = new WtpInitiator({ transport: { send: o.send }, timers: o.timers, ...(o.clock ? { clock: o.clock } : {}), ...(o.onEvent ? { onEvent: o.onEvent } : {}) });
  }

  /** A datagram from 9201 with the TID direction bit set (coRoute). Never throws. */
  receive(datagram: Buffer, peer: Peer): void {
    this.wtp.receive(datagram, peer);
  }

  get busy(): boolean {
    return this.wtp.activeTransactions > 0;
  }

  /**
   * S-ConfirmedPush.req of an encoded ConfirmedPush PDU to the session at `address`; resolves with the client's
   * address once it acknowledged. Rejects with NoPushSessionError or WtpAbortError.
   */
  async push(address: string, data: Buffer): Promise<Peer> {
    const first = this.target(address);
    const prev = this.tails.get(first.id);
    const run = (async () => {
      if (prev) await prev.catch(() => {});
      // The session as it is now (it may have moved, or ended, while an earlier push was outstanding).
      const s = this.target(address);
      // WAP-230 §8.2.4: class 1, and U/P so the client's user (not only its WTP) confirms (Kannel sets it too).
      await this.wtp.invoke(s.peer, data, { class: 1, uack: true });
      return { address: s.peer.address, port: s.peer.port };
    })();
    this.tails.set(first.id, run);
    try {
      return await run;
    } finally {
      if (this.tails.get(first.id) === run) this.tails.delete(first.id);
    }
  }

  private target(address: string): { id: number; peer: Peer } {
    const s = this.o.sessions.connectedAt(address);
    if (!s) throw new NoPushSessionError(address);
    // WAP-230 §8.3.2.2: without the Confirmed Push Facility negotiated the server must not push confirmed.
    if (!s.caps.protocolOptions?.confirmedPush) throw new NoPushSessionError(address, 'no-confirmed-push');
    return s;
  }

  close(): void {
    this.wtp.close();
  }
}
