/**
 * Confirmed push over the IP bearer (WAP-235 §6.2 OTA-WSP, WAP-230 §8.2.4 S-ConfirmedPush): a WSP ConfirmedPush
 * is a session PDU, sent by the server in a WTP class 1 Invoke over the session's WTP — from the gateway's
 * connection-oriented port (9201) to the address:port the handset's session speaks from — and the handset's Ack
 * confirms delivery. So the PPG hands it to the gateway (src/gateway: Gateway.confirmedPush), which owns that
 * socket, the sessions and the initiator beside its responder; nothing here opens a socket.
 *
 * No session with that handset: as Kannel's PPG (wap_push_ppg.c create_session → wap_push_ota.c
 * make_session_request), a Session Initiation Request goes to the handset's SIA (WAP-235 §7.3: a connectionless
 * push of application/vnd.wap.sia to x-wap-application:push.sia, naming the gateway's 9201 as the contact point),
 * and the push waits for the handset to connect — here at most `sessionRequest.waitMs` (Kannel waits without a
 * bound), then it fails with NoPushSessionError and the PPG retries the push until its deliver-before.
 */
import type { WspPdu } from '../wsp/pdu-types.ts';
import { parseContentType } from '../wsp/content-type.ts';
import { decodeWspPdu } from '../wsp/pdu.ts';
import { BEARER_IPV4, BEARER_IPV6 } from '../wsp/capabilities.ts';
import { ipBytes } from '../net/ip.ts';
import { NoPushSessionError } from '../gateway/confirmed-push.ts';
import type { ConfirmedPushInitiator } from './delivery.ts';
import { wallClock, type PpgClock, type PpgLogger } from './engine-types.ts';
import { encodeSia, SIA_APPLICATION_ID, SIA_CONTENT_TYPE } from './sia.ts';
import { PPG_DEFAULTS } from './options.ts';

type Peer = { address: string; port: number };

/** Default wait for the Connect a Session Initiation Request asks for. */
export const SESSION_REQUEST_WAIT_MS = PPG_DEFAULTS.sessionRequest.wait;

/** The part of src/gateway's Gateway confirmed push uses. */
export interface ConfirmedPushSender {
  confirmedPush(address: string, data: Buffer): Promise<Peer>;
  /** S-Unit-Push out of the connectionless port (the Session Initiation Request). */
  sendUnitPush(peer: Peer, pdu: WspPdu, tid?: number): number;
  readonly addresses: { co: Peer };
}

export interface SessionRequestOptions {
  /** The handset's connectionless push port the SIA listens on (WAP-235 §7.3; push.pushPort, 2948). */
  pushPort: number;
  /** How long a push waits for the handset to connect after the request (default SESSION_REQUEST_WAIT_MS). */
  waitMs?: number;
  /** How often it looks for the session meanwhile. */
  pollMs?: number;
  /** The address handsets reach the gateway's 9201 at, when it is bound to a wildcard (0.0.0.0 / ::). */
  contactAddress?: string;
}

export interface GatewayConfirmedPushOptions {
  /** Absent: no Session Initiation Request, a push without a session fails at once. */
  sessionRequest?: SessionRequestOptions;
  clock?: PpgClock;
  log?: PpgLogger;
}

/**
 * A ConfirmedPushInitiator over the gateway's session layer. The engine's `peer.port` (push.confirmedPushPort) is
 * not used: the session decides the handset's port, as in Kannel (the push machine takes the session's address
 * tuple), and the gateway's 9201 is the source.
 */
export function gatewayConfirmedPush(gw: ConfirmedPushSender, o: GatewayConfirmedPushOptions = {}): ConfirmedPushInitiator {
  const clock = o.clock ?? wallClock;
  const sleep = (ms: number) => new Promise<void>((r) => clock.setTimer(ms, r));
  return {
    async invoke(peer, data) {
      try {
        return await gw.confirmedPush(peer.address, data);
      } catch (e) {
        const sr = o.sessionRequest;
        if (!(e instanceof NoPushSessionError) || e.reason !== 'no-session' || !sr) throw e;
        const contact = contactPoint(gw.addresses.co, sr.contactAddress);
        if (!contact) throw new NoPushSessionError(peer.address, 'no-session', 'no WSP session, and no contact address to request one (gateway bound to a wildcard address)');
        gw.sendUnitPush({ address: peer.address, port: sr.pushPort }, sessionRequest(data, contact));
        o.log?.info({ client: peer.address, contact: `${contact.address}:${contact.port}` }, 'confirmed push: no session, Session Initiation Request sent');
      }
      const sr = o.sessionRequest!;
      const waitMs = sr.waitMs ?? SESSION_REQUEST_WAIT_MS;
      const deadline = clock.now() + waitMs;
      for (;;) {
        await sleep(Math.max(1, Math.min(sr.pollMs ?? 250, deadline - clock.now())));
        try {
          return await gw.confirmedPush(peer.address, data);
        } catch (e) {
          if (!(e instanceof NoPushSessionError) || e.reason !== 'no-session') throw e;
          if (clock.now() >= deadline) throw new NoPushSessionError(peer.address, 'no-session', `no WSP session (Session Initiation Request sent, no Connect within ${waitMs} ms)`);
        }
      }
    },
  };
}

/** The gateway's 9201 as a WSP address (WAP-230 §8.2.2.3), or undefined when it has no reachable IP to name. */
function contactPoint(co: Peer, configured: string | undefined): Peer | undefined {
  const address = configured ?? co.address;
  const ip = ipBytes(address);
  if (!ip || ip.bytes.every((b) => b === 0)) return undefined;
  return { address, port: co.port };
}

/** WAP-235 §7.3: the SIR — a Push of the SIA content naming the push's application and the gateway's 9201. */
function sessionRequest(confirmedPush: Buffer, contact: Peer): WspPdu {
  const appIds: string[] = [];
  try {
    const pdu = decodeWspPdu(confirmedPush);
    if (pdu.type === 'ConfirmedPush') for (const h of pdu.headers) if (h.name.toLowerCase() === 'x-wap-application-id') appIds.push(h.value);
  } catch {
    // The engine encoded it: it decodes. Should it not, the request still asks for a browser session.
  }
  // WAP-235 §7.2: no application id addresses the WML user agent.
  if (appIds.length === 0) appIds.push('x-wap-application:wml.ua');
  const ip = ipBytes(contact.address)!;
  const data = encodeSia({ appIds, contactPoints: [{ bearerType: ip.family === 4 ? BEARER_IPV4 : BEARER_IPV6, port: contact.port, address: ip.bytes }] });
  return { type: 'Push', contentType: parseContentType(SIA_CONTENT_TYPE), headers: [{ name: 'X-Wap-Application-Id', value: SIA_APPLICATION_ID }], data };
}
