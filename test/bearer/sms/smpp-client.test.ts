import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SmppClient, parseDeliveryReceipt } from '../../../src/bearer/sms/smpp-client.ts';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('delivery receipts (SMPP 3.4 Appendix B)', () => {
  it('text form, TLV form, error codes', () => {
    expect(parseDeliveryReceipt({ short_message: { message: 'id:abc123 sub:001 dlvrd:001 submit date:2611281200 done date:2611281201 stat:DELIVRD err:000 text:hello' } })).toEqual({
      messageId: 'abc123',
      state: 'delivered',
    });
    expect(parseDeliveryReceipt({ short_message: Buffer.from('id:9 sub:001 dlvrd:000 submit date:x done date:y stat:UNDELIV err:034 text:') })).toEqual({
      messageId: '9',
      state: 'undeliverable',
      error: 34,
    });
    expect(parseDeliveryReceipt({ receipted_message_id: 'XYZ', message_state: 3, short_message: '' })).toEqual({ messageId: 'XYZ', state: 'expired' });
    expect(parseDeliveryReceipt({ short_message: 'hello' })).toBeUndefined();
  });
});

/** A TCP peer that answers bind_transceiver and then nothing: a link gone silent. */
function silentSmsc(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let n = 0;
  const socks: Socket[] = [];
  const srv = createServer((sock) => {
    n++;
    socks.push(sock);
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 16 && buf.length >= buf.readUInt32BE(0)) {
        const len = buf.readUInt32BE(0);
        const cmd = buf.readUInt32BE(4);
        const seq = buf.readUInt32BE(12);
        buf = buf.subarray(len);
        if (cmd === 0x00000009) {
          const body = Buffer.from('silent\0', 'latin1');
          const h = Buffer.alloc(16);
          h.writeUInt32BE(16 + body.length, 0);
          h.writeUInt32BE(0x80000009, 4);
          h.writeUInt32BE(0, 8);
          h.writeUInt32BE(seq, 12);
          sock.write(Buffer.concat([h, body]));
        }
      }
    });
    sock.on('error', () => {});
  });
  return new Promise((resolve) =>
    srv.listen(0, '127.0.0.1', () =>
      resolve({
        port: (srv.address() as AddressInfo).port,
        connections: () => n,
        close: () =>
          new Promise<void>((r) => {
            socks.forEach((s) => s.destroy());
            srv.close(() => r());
          }),
      }),
    ),
  );
}

describe('SmppClient link supervision', () => {
  it('an unanswered enquire_link drops the link and the client binds again', async () => {
    const smsc = await silentSmsc();
    cleanup.push(() => smsc.close());
    const c = new SmppClient({ host: '127.0.0.1', port: smsc.port, systemId: 'a', password: 'b', enquireLinkPeriod: 100, responseTimeout: 150, reconnectDelay: 50 });
    cleanup.push(() => c.close());
    const reasons: string[] = [];
    c.on('unbound', (why) => reasons.push(why));
    c.start();
    await c.waitBound(3000);
    const end = Date.now() + 5000;
    while ((reasons.length === 0 || smsc.connections() < 2) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(reasons[0]).toBe('enquire_link unanswered');
    expect(smsc.connections()).toBeGreaterThanOrEqual(2);
  });

  it('submits while not bound fail as transient (the PPG retries)', async () => {
    const c = new SmppClient({ host: '127.0.0.1', port: 1, systemId: 'a', password: 'b', reconnectDelay: 10_000 });
    cleanup.push(() => c.close());
    await expect(c.submitUserData('+1555', [Buffer.from('0605040b8423f000', 'hex')], { receipt: false, priority: 0 })).rejects.toMatchObject({ permanent: false });
    await expect(c.submitUserData('not-a-number', [Buffer.alloc(1)], { receipt: false, priority: 0 })).rejects.toMatchObject({ permanent: true });
  });
});
