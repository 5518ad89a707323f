/**
 * WDP over IP out of the gateway's connectionless socket for smsbox: a sendsms `text` with a port UDH is one
 * datagram to the receiver's IP and the UDH's destination port, exactly the octets given (WAP-259 §6.3 — WDP
 * carries the user data unchanged). The gateway owns its 9200 socket and offers a raw send (src/gateway/index.ts
 * Gateway.sendDatagram; the worker-thread gateway sends from the primary thread): the datagram is never decoded,
 * so a Push our WSP codec would re-encode differently (a padded uintvar, a needless Quote) still leaves as the
 * MMSC wrote it.
 */
import type { Gateway } from '../gateway/index.ts';

/** The part of the gateway smsbox needs. */
export type RawDatagramSender = Pick<Gateway, 'sendDatagram'>;

export function gatewayWdpTransport(gw: RawDatagramSender): { sendDatagram(payload: Buffer, address: string, port: number): Promise<void> } {
  return {
    async sendDatagram(payload, address, port) {
      gw.sendDatagram({ address, port }, payload);
    },
  };
}
