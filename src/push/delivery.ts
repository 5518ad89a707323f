/**
 * The PPG's edges toward the handset: small interfaces the composition root (or a test) fills in.
 *   - PushTransport: the gateway's UDP socket (unit push from port 9200 to the handset's 2948).
 *   - ConfirmedPushInitiator: a WTP class 1 initiator (src/wtp WtpInitiator.invoke) for ConfirmedPush to 2949.
 *   - SmsPushSender: the SMPP client (src/bearer/sms/smpp-client.ts) for WDP over SMS.
 */

export interface PushTransport {
  sendDatagram(payload: Buffer, address: string, port: number): Promise<void>;
}

export interface ConfirmedPushInitiator {
  /** Resolves when the handset acknowledged the class 1 invoke; rejects (e.g. WtpAbortError) otherwise. */
  invoke(peer: { address: string; port: number }, data: Buffer, opts: { class: 1 }): Promise<unknown>;
}

export { SmsSubmitError, type ReceiptState, type SmsPushSender, type SmsReceipt } from '../bearer/sms/sender.ts';

/** A dgram-backed PushTransport for the PPG running on its own (tests, `wapgate serve` without the gateway socket). */
export async function udpPushTransport(bindAddress = '127.0.0.1', port = 0): Promise<PushTransport & { close(): void; port: number }> {
  const dgram = await import('node:dgram');
  const { isIPv6 } = await import('node:net');
  const sock = dgram.createSocket(isIPv6(bindAddress) ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, bindAddress, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  sock.on('error', () => {});
  return {
    port: sock.address().port,
    sendDatagram: (payload, address, p) =>
      new Promise<void>((resolve, reject) => sock.send(payload, p, address, (err) => (err ? reject(err) : resolve()))),
    close: () => sock.close(),
  };
}
