/**
 * Test harness: a gateway on ephemeral loopback ports in front of the local upstream, with every datagram
 * recorded so a test can hand tshark a pcap. Ports are rewritten to 9200/9201 in the pcap so Wireshark's
 * port-based WSP/WTP dissectors apply.
 */
import { writeFileSync } from 'node:fs';
import { createGateway, type Gateway, type GatewayOptionsInput } from '../../src/gateway/index.ts';
import type { GatewayDeps } from '../../src/gateway/index.ts';
import { udpPcap, type UdpDatagram } from '../../src/trace/pcap.ts';
import { startUpstream, type Upstream } from './upstream-server.ts';

export interface Harness {
  gw: Gateway;
  up: Upstream;
  datagrams: UdpDatagram[];
  /** pcap of what was recorded (ports mapped to 9200/9201). */
  pcap(filter?: (d: UdpDatagram) => boolean): Buffer;
  close(): Promise<void>;
}

export async function startHarness(opts: GatewayOptionsInput = {}, deps: GatewayDeps = {}): Promise<Harness> {
  const up = await startUpstream();
  const gw = createGateway(
    { bind: '127.0.0.1', clPort: 0, coPort: 0, upstream: up.url, http: { requestTimeoutMs: 3000, headersTimeoutMs: 2500 }, ...opts },
    deps,
  );
  await gw.start();
  const datagrams: UdpDatagram[] = [];
  const cl = gw.addresses.cl.port;
  const co = gw.addresses.co.port;
  const mapPort = (p: number): number => (p === cl ? 9200 : p === co ? 9201 : p);
  gw.setTap((dir, data, peer, local) => {
    if (datagrams.length > 20_000) return;
    const copy = Buffer.from(data);
    const time = Date.now();
    datagrams.push(
      dir === 'in'
        ? { src: peer.address, srcPort: peer.port, dst: local.address, dstPort: mapPort(local.port), payload: copy, time }
        : { src: local.address, srcPort: mapPort(local.port), dst: peer.address, dstPort: peer.port, payload: copy, time },
    );
  });
  return {
    gw,
    up,
    datagrams,
    pcap: (filter) => udpPcap(filter ? datagrams.filter(filter) : datagrams),
    close: async () => {
      await gw.stop(200);
      await up.close();
    },
  };
}

/** Writes a capture under captures/ when UPDATE_CAPTURES=1 (regression data recorded from our own runs). */
export function maybeStoreCapture(path: string, pcap: Buffer): void {
  if (process.env.UPDATE_CAPTURES === '1') writeFileSync(path, pcap);
}
