/**
 * Connection-oriented phones for load (WAP-224 class 2 under WAP-230 sessions), light enough that the generator
 * costs a fraction of the gateway it measures. Each phone Connects once, then runs one method at a time on its
 * session: the Invoke datagrams are encoded once and only their TID octets change; a Result is read as far as
 * its header, PSN and (packet 0) the Reply's status octet; the Ack is a fixed three octets. The full client
 * (src/handset/co.ts: WtpInitiator, a promise and a timer per transaction, a full decode of every PDU) cost the
 * generator nearly what the gateway spent per CO transaction.
 *
 * What a phone still does as WAP-224 asks: TID verification (Ack with Tok to an Ack with Tve, §9.4.2),
 * hold-on Acks stop its retransmission (§7.1.5.3), retransmission with RID set (§9.4.1), SAR in both
 * directions (§9.5: segmented Invoke, group trailers of a segmented Result acknowledged with the PSN TPI,
 * gaps named in a Nack), the Ack of a Result re-sent when the Result comes again. Everything unusual falls back
 * to the codec (decodeWtpDatagram), e.g. concatenated PDUs.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseContentType } from '../wsp/content-type.ts';
import { decodeWspPdu, encodeWspPdu } from '../wsp/pdu.ts';
import type { WspPdu } from '../wsp/pdu-types.ts';
import { wspToHttpStatus } from '../wsp/status.ts';
import { decodeWtpDatagram, encodeWtpPdu, type WtpPdu } from '../wtp/pdu.ts';
import type { Endpoint } from './cl.ts';

// WAP-224 §8.1 / Table 2: PDU types.
const T_RESULT = 2;
const T_ACK = 3;
const T_ABORT = 4;
const T_SEG_RESULT = 6;
const T_NACK = 7;
/** WAP-224 §8.3: GTR, TTR, RID flags of octet 0; Tve/Tok of an Ack. */
const GTR = 0x04;
const TTR = 0x02;
const RID = 0x01;
const TVETOK = 0x04;
const CON = 0x80;
/** WAP-230 Table 34: Reply, ConnectReply. */
const WSP_REPLY = 0x04;

/** Segment size of our Invokes (WAP-224 §9.5; the WTP default of src/wtp/timers.ts). */
const SEGMENT = 1400;
/** Retransmissions of an Invoke before the transaction counts as failed (WAP-224 MAX_RCR). */
const MAX_TRIES = 4;
/** How long a phone waits once the responder has acknowledged (hold-on Ack): the upstream may be slow. */
const HELD_MS = 30_000;

export interface CoPhoneOptions {
  gateway: Endpoint;
  url: string;
  /** POST this body as application/vnd.wap.mms-message instead of GET. */
  postBody?: Buffer;
  /** Time to wait for the Result before sending the Invoke again. */
  timeoutMs: number;
}

type Done = (status: number | undefined) => void;

/** Every CO phone of a load run: one retransmission timer for all. */
export class CoPhones {
  private readonly timer: NodeJS.Timeout;
  readonly phones: CoPhone[] = [];

  constructor(timeoutMs: number) {
    this.timer = setInterval(() => {
      const now = performance.now();
      for (const p of this.phones) p.tick(now);
    }, Math.max(10, Math.min(500, timeoutMs / 10)));
    this.timer.unref();
  }

  /** A phone bound to `bind`, connected (its ConnectReply received and acknowledged). */
  async add(o: CoPhoneOptions, bind: { address: string }): Promise<CoPhone> {
    const p = new CoPhone(o);
    this.phones.push(p);
    await p.open(bind);
    await p.connect();
    return p;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Binds a load phone's socket to `address`, an ephemeral port. */
export function bindSocket(socket: dgram.Socket, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address, port: 0 }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

/** The packets of one Invoke (TID 0): packet 0 an Invoke, then Segmented Invokes; the last has TTR. */
function invokePackets(data: Buffer, uack: boolean): Buffer[] {
  const n = Math.max(1, Math.ceil(data.length / SEGMENT));
  const out: Buffer[] = [];
  for (let psn = 0; psn < n; psn++) {
    const chunk = data.subarray(psn * SEGMENT, Math.min(data.length, (psn + 1) * SEGMENT));
    const common = { tid: 0, tidResponse: false, rid: false, gtr: false, ttr: psn === n - 1, data: chunk, tpis: [] };
    const pdu: WtpPdu =
      psn === 0
        ? { type: 'Invoke', ...common, version: 0, tidNew: false, uack, class: 2 }
        : { type: 'SegmentedInvoke', psn, ...common };
    out.push(encodeWtpPdu(pdu));
  }
  return out;
}

export class CoPhone {
  private readonly socket: dgram.Socket;
  /** WAP-224 §9.4.3: TIDs of one initiator increase; the first is random. */
  private tid = Math.floor(Math.random() * 0x4000);
  /** The packets of the request in flight (the method's, or the Connect's). */
  private packets: Buffer[];
  private readonly methodPackets: Buffer[];
  private done: Done | undefined;
  private deadline = 0;
  private tries = 0;
  /** The Result being received: which PSNs arrived, where the current group starts, packet 0's status. */
  private readonly got = new Uint8Array(256);
  private groupStart = 0;
  private status = -1;
  private segmented = false;
  /** The last Ack sent for a finished transaction, re-sent if its Result comes again (our Ack was lost). */
  private lastAck: Buffer | undefined;
  private lastTid = -1;
  /** Packet 0's data of the ConnectReply (for the session id). */
  private connectReply: Buffer | undefined;
  private sessionId = 0;

  constructor(private readonly o: CoPhoneOptions) {
    this.socket = dgram.createSocket(isIPv6(o.gateway.host) ? 'udp6' : 'udp4');
    this.socket.on('message', (msg: Buffer) => this.receive(msg));
    this.socket.on('error', () => {});
    const method: WspPdu = o.postBody
      ? { type: 'Post', method: 'POST', uri: o.url, contentType: parseContentType('application/vnd.wap.mms-message'), headers: [], data: o.postBody }
      : { type: 'Get', method: 'GET', uri: o.url, headers: [] };
    this.methodPackets = invokePackets(encodeWspPdu(method), false);
    this.packets = this.methodPackets;
  }

  open(bind: { address: string }): Promise<void> {
    return bindSocket(this.socket, bind.address);
  }

  /** WAP-230 §8.2.2.1 Connect → ConnectReply; rejects when the gateway does not open a session. */
  connect(): Promise<void> {
    const connect: WspPdu = {
      type: 'Connect',
      version: { major: 1, minor: 0 },
      capabilities: { clientSduSize: 1_048_576, serverSduSize: 1_048_576, clientMessageSize: 1_048_576, serverMessageSize: 1_048_576, methodMor: 1, pushMor: 1 },
      // Session headers as fakewap sends them: Kannel refuses a reply type the client does not Accept.
      headers: [
        { name: 'Accept', value: '*/*' },
        { name: 'User-Agent', value: 'wapgate-load' },
      ],
    };
    this.packets = invokePackets(encodeWspPdu(connect), false);
    return new Promise((resolve, reject) => {
      this.begin((status) => {
        this.packets = this.methodPackets;
        const reply = this.connectReply;
        this.connectReply = undefined;
        if (status === undefined || !reply) return reject(new Error('Connect failed: no ConnectReply'));
        try {
          const pdu = decodeWspPdu(reply);
          if (pdu.type !== 'ConnectReply') return reject(new Error(`Connect answered with ${pdu.type}`));
          this.sessionId = pdu.sessionId;
          resolve();
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
  }

  /** One method on the session; `done` gets its HTTP status, or undefined when it failed. */
  start(done: Done): void {
    this.begin(done);
  }

  private begin(done: Done): void {
    this.tid = (this.tid + 1) & 0x7fff;
    for (const p of this.packets) p.writeUInt16BE(this.tid, 1);
    this.done = done;
    this.tries = 1;
    this.got.fill(0);
    this.groupStart = 0;
    this.status = -1;
    this.segmented = false;
    this.sendAll(false);
  }

  private sendAll(rid: boolean): void {
    this.deadline = performance.now() + this.o.timeoutMs;
    for (const p of this.packets) {
      if (rid) p[0]! |= RID;
      else p[0]! &= ~RID;
      this.socket.send(p, this.o.gateway.port, this.o.gateway.host);
    }
  }

  private send(b: Buffer): void {
    this.socket.send(b, this.o.gateway.port, this.o.gateway.host);
  }

  /** An Ack (WAP-224 §8.3.3) for `tid`: Tok when answering a verification, the PSN TPI for a segmented group. */
  private ack(tid: number, o: { tok?: boolean; psn?: number; rid?: boolean } = {}): Buffer {
    const psn = o.psn;
    const b = Buffer.allocUnsafe(psn === undefined ? 3 : 5);
    b[0] = (psn === undefined ? 0 : CON) | (T_ACK << 3) | (o.tok ? TVETOK : 0) | (o.rid ? RID : 0);
    b.writeUInt16BE(tid, 1);
    if (psn !== undefined) {
      b[3] = (0x03 << 3) | 1; // WAP-224 §8.4.2 short TPI: PSN, one octet
      b[4] = psn;
    }
    return b;
  }

  private receive(msg: Buffer): void {
    if (msg.length < 3) return;
    const b0 = msg[0]!;
    if (b0 === 0) return this.concatenated(msg);
    const type = (b0 >> 3) & 0x0f;
    const tid = ((msg[1]! << 8) | msg[2]!) & 0x7fff;
    if (this.done === undefined || tid !== this.tid) {
      // A Result of our last transaction again: our Ack was lost (WAP-224 §9 RESULT_RESP_WAIT + TimerTO_R).
      if (tid === this.lastTid && this.lastAck && (type === T_RESULT || type === T_SEG_RESULT) && b0 & (TTR | GTR)) this.send(this.lastAck);
      return;
    }
    switch (type) {
      case T_RESULT:
      case T_SEG_RESULT:
        return this.resultPacket(msg, b0, type === T_SEG_RESULT);
      case T_ACK:
        if (b0 & TVETOK) this.send(this.ack(tid, { tok: true }));
        else this.deadline = performance.now() + HELD_MS; // hold-on (or a group Ack of our Invoke)
        return;
      case T_NACK: {
        // WAP-224 §9.5: resend the packets named.
        const n = msg[3] ?? 0;
        for (let i = 0; i < n && 4 + i < msg.length; i++) {
          const p = this.packets[msg[4 + i]!];
          if (p) {
            p[0]! |= RID;
            this.send(p);
          }
        }
        return;
      }
      case T_ABORT:
        return this.finish(undefined);
      default:
        return;
    }
  }

  /** Concatenated PDUs (WAP-224 §8.1): rare, so through the codec, each PDU fed back as its own datagram. */
  private concatenated(msg: Buffer): void {
    let pdus: WtpPdu[];
    try {
      pdus = decodeWtpDatagram(msg);
    } catch {
      return;
    }
    for (const p of pdus) this.receive(encodeWtpPdu(p));
  }

  private resultPacket(msg: Buffer, b0: number, seg: boolean): void {
    let off = seg ? 4 : 3;
    const psn = seg ? msg[3]! : 0;
    if (b0 & CON) {
      // Skip the TPIs (WAP-224 §8.4.1): short form length in the low two bits, long form in the next octet.
      for (let more = true; more && off < msg.length; ) {
        const t = msg[off]!;
        more = (t & 0x80) !== 0;
        off += t & 0x04 ? 2 + (msg[off + 1] ?? 0) : 1 + (t & 0x03);
      }
    }
    if (psn === 0 && this.status < 0) {
      // WAP-230 §8.2.3.3: Reply = type, status, … ; a ConnectReply (0x02) counts as 200.
      const t = msg[off];
      if (t === WSP_REPLY && off + 1 < msg.length) this.status = wspToHttpStatus(msg[off + 1]!);
      else if (t === 0x02) {
        this.status = 200;
        this.connectReply = Buffer.from(msg.subarray(off));
      } else this.status = 0;
    }
    if (seg) this.segmented = true;
    this.got[psn] = 1;
    const ttr = (b0 & TTR) !== 0;
    if (!ttr && !(b0 & GTR)) return;
    // A group trailer (or the last packet): every packet of the group here → Ack it; else name the gaps.
    const missing: number[] = [];
    for (let i = this.groupStart; i < psn; i++) if (!this.got[i]) missing.push(i);
    if (missing.length) {
      const nack = Buffer.allocUnsafe(4 + missing.length);
      nack[0] = T_NACK << 3;
      nack.writeUInt16BE(this.tid, 1);
      nack[3] = missing.length;
      for (let i = 0; i < missing.length; i++) nack[4 + i] = missing[i]!;
      this.send(nack);
      return;
    }
    const ack = this.ack(this.tid, this.segmented ? { psn } : {});
    this.send(ack);
    this.groupStart = Math.max(this.groupStart, psn + 1);
    if (!ttr) {
      this.deadline = performance.now() + HELD_MS;
      return;
    }
    this.lastAck = ack;
    this.lastTid = this.tid;
    this.finish(this.status >= 0 ? this.status : undefined);
  }

  private finish(status: number | undefined): void {
    const done = this.done;
    this.done = undefined;
    done?.(status);
  }

  /** Retransmission (WAP-224 §9.4.1): the whole Invoke again with RID set, MAX_TRIES times. */
  tick(now: number): void {
    if (this.done === undefined || now < this.deadline) return;
    if (this.tries++ < MAX_TRIES) return this.sendAll(true);
    this.finish(undefined);
  }

  /** WAP-230 §8.2.2.4 Disconnect (class 0, unanswered), then the socket closes. */
  close(): Promise<void> {
    this.done = undefined;
    return new Promise((resolve) => {
      const finish = () => this.socket.close(() => resolve());
      if (!this.sessionId) return finish();
      this.tid = (this.tid + 1) & 0x7fff;
      const disc = encodeWtpPdu({
        type: 'Invoke', tid: this.tid, tidResponse: false, rid: false, gtr: false, ttr: true, tpis: [], version: 0, tidNew: false, uack: false, class: 0,
        data: encodeWspPdu({ type: 'Disconnect', sessionId: this.sessionId }),
      });
      this.socket.send(disc, this.o.gateway.port, this.o.gateway.host, () => finish());
    });
  }
}
