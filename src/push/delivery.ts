/**
 * The PPG's edges toward the handset: small interfaces the composition root (or a test) fills in.
 *   - PushTransport: the gateway's UDP socket (unit push from port 9200 to the handset's 2948).
 *   - ConfirmedPushInitiator: WSP ConfirmedPush in a WTP class 1 Invoke over the handset's session, out of the
 *     gateway's 9201 socket (src/push/confirmed.ts gatewayConfirmedPush → Gateway.confirmedPush).
 *   - SmsPushSender: the SMPP client (src/bearer/sms/smpp-client.ts) for WDP over SMS.
 */

import { decodeConnectionless, type WspPdu } from '../wsp/pdu.ts';

export interface PushTransport {
  sendDatagram(payload: Buffer, address: string, port: number): Promise<void>;
}

export interface ConfirmedPushInitiator {
  /**
   * Resolves when the handset acknowledged the class 1 invoke; rejects (WtpAbortError, or NoPushSessionError when
   * no session of `peer.address` carries confirmed push) otherwise.
   */
  invoke(peer: { address: string; port: number }, data: Buffer, opts: { class: 1 }): Promise<unknown>;
}

export { SmsSubmitError, type ReceiptState, type SmsPushSender, type SmsReceipt } from '../bearer/sms/sender.ts';

/**
 * A dgram-backed PushTransport for the PPG running on its own (tests, or `serve` before the gateway socket is
 * wired in): one IPv4 socket on bind4 and, when bind6 is given and available, one IPv6 socket on bind6; each
 * push leaves by the socket of its destination's family.
 */
export async function udpPushTransport(
  bind4 = '127.0.0.1',
  port = 0,
  bind6: string | undefined = '::1',
): Promise<PushTransport & { close(): void; port: number }> {
  const dgram = await import('node:dgram');
  const { isIPv6 } = await import('node:net');
  const open = (type: 'udp4' | 'udp6', address: string) =>
    new Promise<import('node:dgram').Socket>((resolve, reject) => {
      const sock = dgram.createSocket(type);
      sock.once('error', reject);
      sock.bind(port, address, () => {
        sock.off('error', reject);
        sock.on('error', () => {});
        resolve(sock);
      });
    });
  const v4 = await open('udp4', bind4);
  const v6 = bind6 ? await open('udp6', bind6).catch(() => undefined) : undefined;
  return {
    port: v4.address().port,
    sendDatagram: (payload, address, p) =>
      new Promise<void>((resolve, reject) => {
        const sock = isIPv6(address) ? v6 : v4;
        if (!sock) return reject(new Error(`no IPv6 socket to reach ${address}`));
        sock.send(payload, p, address, (err) => (err ? reject(err) : resolve()));
      }),
    close: () => {
      v4.close();
      v6?.close();
    },
  };
}

/** The part of src/gateway's Gateway the PPG uses: S-Unit-Push out of the connectionless (9200) socket. */
export interface UnitPushSender {
  sendUnitPush(peer: { address: string; port: number }, pdu: WspPdu, tid?: number): number;
}

/**
 * A PushTransport over the gateway's 9200 socket (WAP-235 §6.2.1: unit push from the gateway's WSP
 * connectionless port). The engine's datagram (TID + Push PDU) is handed over as PDU and TID, so the gateway
 * keeps owning its socket.
 */
export function gatewayPushTransport(gw: UnitPushSender): PushTransport {
  return {
    async sendDatagram(payload, address, port) {
      const { tid, pdu } = decodeConnectionless(payload);
      gw.sendUnitPush({ address, port }, pdu, tid);
    },
  };
}
