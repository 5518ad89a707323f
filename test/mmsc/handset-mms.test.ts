/** The handset's MMS pieces: composing m-send-req from files, writing received parts safely, push filtering. */
import { createSocket } from 'node:dgram';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildSmil, composeSendReq, encodeSendReq, mediaTypeOf, recipientAddress } from '../../src/handset/mms-compose.ts';
import { mmscUrlFrom, type Notification, partFileName, PushListener, writeParts } from '../../src/handset/mms-receive.ts';
import { decodeMms, encodeMms, type MmsPdu } from '../../src/mms/index.ts';
import { exportedPduPcap } from '../../src/trace/pcap.ts';
import { encodeConnectionless } from '../../src/wsp/pdu.ts';
import { fieldValues, tempDir, toolAvailable, tshark } from '../support/tools.ts';

const files = [
  { name: 'dir/beach.jpg', contentType: 'image/jpeg', body: Buffer.from([0xff, 0xd8, 0xff, 0xd9]) },
  { name: 'note.txt', contentType: 'text/plain', body: Buffer.from('hi ☀') },
];

describe('composing an m-send-req', () => {
  it('media types by extension', () => {
    expect(['a.JPG', 'b.gif', 'c.txt', 'd.amr', 'e.smil', 'f.bin'].map(mediaTypeOf)).toEqual([
      'image/jpeg', 'image/gif', 'text/plain', 'audio/amr', 'application/smil', 'application/octet-stream',
    ]);
  });
  it('addresses', () => {
    expect(recipientAddress('+15550000002')).toEqual({ text: '+15550000002/TYPE=PLMN' });
    expect(recipientAddress('bob@example.org')).toEqual({ text: 'bob@example.org' });
    expect(recipientAddress('10.0.0.1')).toEqual({ text: '10.0.0.1/TYPE=IPv4' });
  });
  it('multipart/related with a SMIL root naming every part', () => {
    const pdu = decodeMms(encodeSendReq(composeSendReq({ to: ['+15550000002'], subject: 'Beach', files, transactionId: 't1' })));
    expect(pdu.headers.from).toEqual({ insertAddress: true });
    expect(pdu.contentType).toEqual({
      type: 'application/vnd.wap.multipart.related',
      params: [
        { name: 'start', value: '<smil>' },
        { name: 'type', value: 'application/smil' },
      ],
    });
    const [smil, jpg, txt] = pdu.parts!;
    expect(smil!.contentType.type).toBe('application/smil');
    expect(smil!.headers).toContainEqual({ name: 'Content-ID', value: '<smil>' });
    expect(smil!.body.toString()).toContain('<img src="beach.jpg" region="Image"/>');
    expect(smil!.body.toString()).toContain('<text src="note.txt" region="Text"/>');
    expect(jpg!.headers).toContainEqual({ name: 'Content-Location', value: 'beach.jpg' });
    expect(txt!.contentType.params).toEqual([{ name: 'charset', value: 'utf-8' }]);
    expect(txt!.body.toString('utf8')).toBe('hi ☀');
  });
  it('refuses what exceeds the size limit', () => {
    const big = composeSendReq({ to: ['+1'], files: [{ name: 'x.jpg', contentType: 'image/jpeg', body: Buffer.alloc(400_000) }], transactionId: 't' });
    expect(() => encodeSendReq(big)).toThrow(/more than the 307200 allowed/);
  });
  it('a SMIL file given is used as the root instead of a generated one', () => {
    const own = { name: 'pres.smil', contentType: 'application/smil', body: Buffer.from('<smil/>') };
    const pdu = composeSendReq({ to: ['+1'], files: [files[1]!, own], transactionId: 't' });
    expect(pdu.parts![0]!.body.toString()).toBe('<smil/>');
    expect(pdu.parts!.length).toBe(2);
  });
  it.skipIf(!toolAvailable('tshark'))('tshark reads it as an m-send-req with the SMIL start and each part', () => {
    expect(buildSmil(files)).toMatch(/^<smil>.*<\/smil>$/);
    const buf = encodeSendReq(composeSendReq({ to: ['+15550000002'], subject: 'Beach', files, transactionId: 't1' }));
    const res = tshark(exportedPduPcap([buf], 'mmse_wsp', true));
    expect(res.problems, res.text).toEqual([]);
    const p = res.packets[0]!;
    expect(fieldValues(p, 'mmse.message_type')).toEqual(['0x80']);
    expect(fieldValues(p, 'wsp.parameter.start')).toEqual(['<smil>']);
    expect(fieldValues(p, 'wsp.header.content_location')).toEqual(['smil.smil', 'beach.jpg', 'note.txt']);
  });
});

describe('writing received parts', () => {
  const part = (loc: string) => ({ contentType: { type: 'text/plain', params: [] }, headers: [{ name: 'Content-Location', value: loc }], body: Buffer.from(loc) });
  it('never leaves the output directory, never overwrites', () => {
    const dir = tempDir('wapgate-parts-');
    const rc: MmsPdu = {
      messageType: 'm-retrieve-conf',
      headers: {},
      contentType: { type: 'application/vnd.wap.multipart.mixed', params: [] },
      parts: [part('../../etc/passwd'), part('/abs/path.txt'), part('a.txt'), part('a.txt'), part('..'), part('C:\\win\\x.txt')],
    };
    const names = writeParts(rc, dir);
    expect(names).toEqual(['passwd', 'path.txt', 'a.txt', 'a-2.txt', expect.stringMatching(/^[\w.-]+$/), 'x.txt']);
    expect(readdirSync(dir).sort()).toEqual([...names].sort());
    expect(partFileName(part(''), 6, dir)).toBe('part-7');
  });
  it('the MMSC URL is the content location minus its last step', () => {
    expect(mmscUrlFrom('http://127.0.0.1:8002/mms/AbC?x=1')).toBe('http://127.0.0.1:8002/mms');
  });
});

describe('the push listener', () => {
  it('passes each MMS notification once and ignores other pushes', async () => {
    const l = new PushListener({ address: '127.0.0.1', port: 0 });
    const { port } = await l.open();
    const got: Notification[] = [];
    const ignored: string[] = [];
    l.on('notification', (n) => got.push(n));
    l.on('ignored', (w) => ignored.push(w));
    const notif = encodeMms({ messageType: 'm-notification-ind', headers: { transactionId: 'n1', mmsVersion: '1.2', contentLocation: 'http://x/mms/1', messageSize: 10, expiry: { relative: 60 }, messageClass: 'Personal' } });
    const push = (ct: string, data: Buffer) =>
      encodeConnectionless(1, { type: 'Push', contentType: { type: ct, params: [] }, headers: [{ name: 'X-Wap-Application-Id', value: 'x-wap-application:mms.ua' }], data });
    const s = createSocket('udp4');
    for (const d of [push('application/vnd.wap.mms-message', notif), push('application/vnd.wap.mms-message', notif), push('text/vnd.wap.si', Buffer.from('si')), Buffer.from([1, 2, 3])]) {
      await new Promise<void>((r) => s.send(d, port, '127.0.0.1', () => r()));
    }
    await new Promise((r) => setTimeout(r, 200));
    s.close();
    await l.close();
    expect(got.map((n) => n.pdu.headers.transactionId)).toEqual(['n1']);
    expect(ignored.length).toBe(2);
  });
});
