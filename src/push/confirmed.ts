/**
 * Confirmed push over the IP bearer (WAP-235 §6.2 OTA-WSP, WAP-230 §8.2.4 S-ConfirmedPush): a WSP ConfirmedPush
 * is a session PDU, sent by the server in a WTP class 1 Invoke over the session's WTP — from the gateway's
 * connection-oriented port (9201) to the address:port the handset's session speaks from — and the handset's Ack
 * confirms delivery. So the PPG hands it to the gateway (src/gateway: Gateway.confirmedPush), which owns that
 * socket, the sessions and the initiator beside its responder; nothing here opens a socket.
 *
 * As Kannel's PPG, a push with no session to carry it is not delivered: Kannel first sends a Session Initiation
 * Request (WAP-235 §7) and holds the push until the handset connects; wapgate answers at once (NoPushSessionError,
 * reported by the engine as the push's result) — see the report of issue 13 for the SIR that is still missing.
 */
import type { ConfirmedPushInitiator } from './delivery.ts';

/** The part of src/gateway's Gateway confirmed push uses. */
export interface ConfirmedPushSender {
  confirmedPush(address: string, data: Buffer): Promise<{ address: string; port: number }>;
}

/**
 * A ConfirmedPushInitiator over the gateway's session layer. The engine's `peer.port` (push.confirmedPushPort) is
 * not used: the session decides the handset's port, as in Kannel (the push machine takes the session's address
 * tuple), and the gateway's 9201 is the source.
 */
export function gatewayConfirmedPush(gw: ConfirmedPushSender): ConfirmedPushInitiator {
  return {
    invoke: (peer, data) => gw.confirmedPush(peer.address, data),
  };
}
