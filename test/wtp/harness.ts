/**
 * A deterministic in-memory network for the WTP engines: datagrams are lost, duplicated, delayed and (through
 * random delays) reordered by a seeded PRNG on a FakeClock. Everything sent is recorded for tshark.
 */
import { FakeClock } from '../../src/wtp/clock.ts';
import type { Peer, Transport } from '../../src/wtp/types.ts';
import type { UdpDatagram } from '../../src/trace/pcap.ts';

/** mulberry32: small, seeded, good enough for test schedules. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LinkOptions {
  /** Probability a datagram is lost. */
  loss?: number;
  /** Probability a datagram is delivered twice. */
  dup?: number;
  /** Delay range in ms (uniform): a spread reorders datagrams. */
  minDelayMs?: number;
  maxDelayMs?: number;
  seed?: number;
}

export type Receiver = { receive(d: Buffer, from: Peer): void };

/** One endpoint's outgoing transport into a shared network. */
export class Network {
  readonly clock: FakeClock;
  readonly recorded: UdpDatagram[] = [];
  record = true;
  private readonly nodes = new Map<string, Receiver>();
  private readonly rand: () => number;
  delivered = 0;
  lost = 0;

  constructor(
    readonly opts: LinkOptions = {},
    clock?: FakeClock,
  ) {
    this.clock = clock ?? new FakeClock(1_000_000);
    this.rand = prng(opts.seed ?? 1);
  }

  attach(at: Peer, node: Receiver): void {
    this.nodes.set(`${at.address}|${at.port}`, node);
  }

  /** The transport for the node living at `from`. */
  transport(from: Peer): Transport {
    return {
      send: (datagram: Buffer, to: Peer) => {
        const copy = Buffer.from(datagram);
        if (this.record) {
          this.recorded.push({ src: from.address, srcPort: from.port, dst: to.address, dstPort: to.port, payload: copy, time: this.clock.now() });
        }
        const o = this.opts;
        if (this.rand() < (o.loss ?? 0)) {
          this.lost++;
          return;
        }
        const copies = this.rand() < (o.dup ?? 0) ? 2 : 1;
        for (let i = 0; i < copies; i++) {
          const min = o.minDelayMs ?? 10;
          const max = o.maxDelayMs ?? min;
          const delay = min + Math.floor(this.rand() * (max - min + 1));
          this.clock.setTimer(delay, () => {
            const node = this.nodes.get(`${to.address}|${to.port}`);
            this.delivered++;
            node?.receive(copy, from);
          });
        }
      },
    };
  }

  random(): number {
    return this.rand();
  }
}

export const PHONE: Peer = { address: '10.0.0.1', port: 40000 };
export const GATEWAY: Peer = { address: '10.0.0.2', port: 9201 };

/** Captured engine traffic from all tests of a file, for one tshark run. */
export const TRAFFIC: UdpDatagram[] = [];
