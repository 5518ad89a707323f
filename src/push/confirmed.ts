/**
 * Confirmed push over the IP bearer (WAP-235 §6.2.2): a WSP ConfirmedPush carried in a WTP class 1 Invoke;
 * the handset's Ack confirms delivery. This wires src/wtp's WtpInitiator to a UDP socket of its own so the
 * PPG can run it standalone; the gateway may pass its own initiator instead (PpgDeps.wtp). Socket errors and
 * failed sends are reported to `onError` (the composition root logs them); the initiator's retransmissions and
 * its abort on no Ack settle the push itself.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { WtpInitiator, type WtpInitiatorOptions } from '../wtp/index.ts';
import type { ConfirmedPushInitiator } from './delivery.ts';

export interface WtpPushInitiator extends ConfirmedPushInitiator {
  readonly port: number;
  readonly initiator: WtpInitiator;
  close(): void;
}

export async function createWtpPushInitiator(
  bindAddress = '127.0.0.1',
  port = 0,
  opts: Omit<WtpInitiatorOptions, 'transport'> = {},
  deps: { onError?: (err: Error) => void } = {},
): Promise<WtpPushInitiator> {
  const onError = deps.onError ?? ((err: Error) => process.emitWarning(err));
  const sock: Socket = createSocket(isIPv6(bindAddress) ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, bindAddress, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  sock.on('error', onError);
  const sent = (err: Error | null): void => {
    if (err) onError(err);
  };
  const initiator = new WtpInitiator({
    ...opts,
    transport: { send: (datagram, peer) => sock.send(datagram, peer.port, peer.address, sent) },
  });
  sock.on('message', (msg, rinfo) => initiator.receive(msg, { address: rinfo.address, port: rinfo.port }));
  return {
    port: sock.address().port,
    initiator,
    invoke: (peer, data, o) => initiator.invoke(peer, data, { class: o.class }),
    close() {
      initiator.close();
      sock.close();
    },
  };
}
