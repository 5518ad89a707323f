/**
 * Connectionless WSP, server side (WAP-230 §7.2 "S-Unit-MethodInvoke / S-Unit-MethodResult", §8.2.1): each
 * datagram is a TID octet and a PDU; every method PDU gets one Reply carrying the same TID, sent to where the
 * datagram came from. Unit push (S-Unit-Push, §8.2.4.1) goes out of the same port. No sockets and no HTTP
 * here: datagrams come in through `receive()`, go out through the injected transport, and the method is
 * answered by the injected user.
 */
import { isWapDecodeError } from '../wire/errors.ts';
import { decodeConnectionless, encodeConnectionless } from './pdu.ts';
import type { GetPdu, PostPdu, ReplyPdu, WspPdu } from './pdu-types.ts';
import { WspStatus } from './status.ts';

export interface ClPeer {
  address: string;
  port: number;
}

export interface ClTransport {
  send(data: Uint8Array, peer: ClPeer): void;
}

export interface ClMethodUser {
  /**
   * Answers one unit method. `encode` turns a Reply into the datagram (TID octet included). Resolves to the
   * datagram to send, or undefined to send nothing (client denied).
   */
  method(pdu: GetPdu | PostPdu, peer: ClPeer, encode: (reply: ReplyPdu) => Buffer): Promise<Buffer | undefined>;
}

export type ClDropReason = 'truncated' | 'undecodable' | 'not-a-method' | 'unknown-type' | 'overload';

export interface ClEvents {
  /** A datagram not served (for one rate-limited log line and a counter). */
  dropped?(reason: ClDropReason, peer: ClPeer, detail: string): void;
  /** A method failed inside the user (a bug): the client got a 500 Reply. */
  failed?(err: unknown, peer: ClPeer): void;
}

export class ConnectionlessServer {
  private pushTid = 0;
  /** Methods in flight (for status and graceful shutdown). */
  inFlight = 0;

  constructor(
    private readonly transport: ClTransport,
    private readonly user: ClMethodUser,
    private readonly events: ClEvents = {},
    /** Methods in flight at most; beyond it a method is answered 503 at once (memory stays bounded). */
    private readonly maxInFlight = 10_000,
  ) {}

  receive(data: Buffer, peer: ClPeer): void {
    if (data.length < 2) {
      this.events.dropped?.('truncated', peer, `${data.length} octet(s)`);
      return;
    }
    const tid = data[0]!;
    const type = data[1]!;
    let pdu: WspPdu;
    try {
      pdu = decodeConnectionless(data).pdu;
    } catch (e) {
      if (!isWapDecodeError(e)) throw e;
      // WAP-230 §8.2.3: a method PDU we cannot read still gets an answer (400) so the handset stops retrying;
      // anything else (not a method, or no type we know) is discarded.
      if (type >= 0x40 && type <= 0x7f) this.reply(tid, WspStatus.BAD_REQUEST, peer);
      this.events.dropped?.(e.code === 'WAP_ERR_UNKNOWN_TYPE' ? 'unknown-type' : 'undecodable', peer, e.message);
      return;
    }
    if (pdu.type !== 'Get' && pdu.type !== 'Post') {
      // A Reply/Push/Connect... arriving on the server port is not ours to answer (WAP-230 §8.2.1).
      this.events.dropped?.('not-a-method', peer, pdu.type);
      return;
    }
    if (this.inFlight >= this.maxInFlight) {
      this.events.dropped?.('overload', peer, `${this.inFlight} in flight`);
      this.reply(tid, WspStatus.SERVICE_UNAVAILABLE, peer);
      return;
    }
    this.inFlight++;
    const encode = (reply: ReplyPdu): Buffer => encodeConnectionless(tid, reply);
    this.user.method(pdu, peer, encode).then(
      (out) => {
        this.inFlight--;
        if (out) this.transport.send(out, peer);
      },
      (err: unknown) => {
        this.inFlight--;
        this.events.failed?.(err, peer);
        this.reply(tid, WspStatus.INTERNAL_SERVER_ERROR, peer);
      },
    );
  }

  private reply(tid: number, status: number, peer: ClPeer): void {
    try {
      this.transport.send(
        encodeConnectionless(tid, {
          type: 'Reply',
          status,
          contentType: { type: 'text/plain', params: [] },
          headers: [],
          data: Buffer.alloc(0),
        }),
        peer,
      );
    } catch {
      /* nothing sensible left to send */
    }
  }

  /** S-Unit-Push (WAP-230 §8.2.4.1) to a handset's push port; returns the TID used. */
  sendUnitPush(peer: ClPeer, pdu: WspPdu, tid?: number): number {
    const t = tid ?? (this.pushTid = (this.pushTid + 1) & 0xff);
    this.transport.send(encodeConnectionless(t, pdu), peer);
    return t;
  }
}
