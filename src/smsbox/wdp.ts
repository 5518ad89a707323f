/**
 * WDP over IP out of the gateway's connectionless socket for smsbox: a sendsms `text` with a port UDH is one
 * datagram to send exactly as given (WAP-259 §6.3). The gateway owns its 9200 socket and offers S-Unit-Push
 * (PDU + TID, src/push/delivery.ts UnitPushSender); a datagram that decodes as connectionless WSP and encodes
 * back to the very same octets leaves that way. Anything else (a datagram the WSP codec would change) is refused
 * with an error — never sent altered — unless the gateway offers a raw datagram send.
 */
import { decodeConnectionless, encodeConnectionless } from '../wsp/pdu.ts';
import type { UnitPushSender } from '../push/delivery.ts';

export interface RawDatagramSender {
  sendDatagram(peer: { address: string; port: number }, payload: Buffer): void;
}

export class WdpNotExactError extends Error {
  override readonly name = 'WdpNotExactError';
}

export function gatewayWdpTransport(gw: UnitPushSender & Partial<RawDatagramSender>): { sendDatagram(payload: Buffer, address: string, port: number): Promise<void> } {
  return {
    async sendDatagram(payload, address, port) {
      if (gw.sendDatagram) return gw.sendDatagram({ address, port }, payload);
      let exact = false;
      let decoded: ReturnType<typeof decodeConnectionless> | undefined;
      try {
        decoded = decodeConnectionless(payload);
        exact = encodeConnectionless(decoded.tid, decoded.pdu).equals(payload);
      } catch {
        exact = false;
      }
      if (!exact || !decoded) throw new WdpNotExactError(`datagram of ${payload.length} octets cannot leave the gateway's socket unchanged`);
      gw.sendUnitPush({ address, port }, decoded.pdu, decoded.tid);
    },
  };
}
