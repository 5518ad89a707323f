/**
 * Every real MMS PDU in ../shared/captures/mms/ (handsets, operator MMSCs, conformance vectors — none written by
 * us; see SOURCES.md there) decodes, re-encodes byte-identical, and re-encoded canonically (recorded wire octets
 * dropped) decodes to the same values; tshark accepts the canonical re-encodings.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeMms, encodeMms } from '../../src/mms/index.ts';
import { exportedPduPcap } from '../../src/trace/pcap.ts';
import { fieldValues, SHARED_DIR, sharedAvailable, tshark, toolAvailable } from '../support/tools.ts';
import { canonical } from './support.ts';

const DIR = join(SHARED_DIR, 'captures', 'mms');
const FILES = sharedAvailable() ? readdirSync(DIR).filter((f) => f.endsWith('.mms')).sort() : [];
/** SOURCES.md: tshark 4.0.17 itself reports this real PDU as malformed (dissector quirk after X-Mms-Status). */
const TSHARK_COMPLAINS = new Set(['mms-engine_mms_codec_m-notifyresp.ind.mms']);

describe.skipIf(!sharedAvailable())('real MMS PDUs from ../shared/captures/mms', () => {
  it('has the 44 PDUs SOURCES.md lists', () => {
    expect(FILES.length).toBe(44);
  });

  it.each(FILES)('%s decodes and round-trips', (file) => {
    const buf = readFileSync(join(DIR, file));
    const pdu = decodeMms(buf);
    expect(typeof pdu.messageType).toBe('string');
    // Faithful: untouched, the PDU re-encodes to the very same octets.
    expect(encodeMms(pdu).toString('hex')).toBe(buf.toString('hex'));
    // Canonical: built from the typed values only, it still decodes to the same values.
    const canon = canonical(pdu);
    const again = canonical(decodeMms(encodeMms(canon)));
    expect(again).toEqual(canon);
    if (pdu.contentType && /multipart/.test(pdu.contentType.type)) expect(pdu.parts?.length).toBeGreaterThan(0);
  });

  it('decodes what the files hold', () => {
    const notif = decodeMms(readFileSync(join(DIR, 'mms-engine_mms_codec_m-notification_1.ind.mms')));
    expect(notif).toMatchObject({
      messageType: 'm-notification-ind',
      headers: {
        transactionId: 'm10l9m7u03mct2jbc12@mms.beeline.ru',
        mmsVersion: '1.0',
        from: { address: { text: '+79050000000/TYPE=PLMN' } },
        messageClass: 'Personal',
        messageSize: 25031,
        expiry: { relative: 259199 },
        contentLocation: 'http://mmsr5/?message-id=m10l9m7u03mct2jbc12',
      },
    });
    const rc = decodeMms(readFileSync(join(DIR, 'mmsd_rc-mms-1-3-con-210.mms')));
    expect(rc.headers.subject).toEqual({ text: 'MMS-1.3-con-210', charset: 3 });
    expect(rc.contentType?.params).toEqual([
      { name: 'type', value: 'application/smil' },
      { name: 'start', value: '<SMIL>' },
    ]);
    expect(rc.parts?.map((p) => p.contentType.type)).toEqual(['application/smil', 'image/gif']);
    expect(rc.parts?.[1]?.body.length).toBe(2213);
    const send = decodeMms(readFileSync(join(DIR, 'python-messaging_iPhone.mms')));
    expect(send.messageType).toBe('m-send-req');
    // 97 10 83 '1337/TYPE=PLMN' 00: To as Value-length, charset US-ASCII (3), Text-string
    expect(send.headers.to).toEqual([{ text: '1337/TYPE=PLMN', charset: 3 }]);
    // Application headers are kept (name, value) in wire order.
    const dr = decodeMms(readFileSync(join(DIR, 'mms-engine_mms_codec_m-delivery_2.ind.mms')));
    expect(dr.headers.unknown).toEqual([
      { name: 'Return-Path', value: '<mmscadm@mms.mnc091.mcc244.gprs>' },
      { name: 'X-Scanned-By', value: 'MIMEDefang 2.78 on xxx.xxx.xx.xxx' },
    ]);
  });

  it.skipIf(!toolAvailable('tshark'))('tshark finds nothing in our canonical re-encodings it does not find in the originals', () => {
    // Some real bodies draw content-level remarks (a JPEG without its JFIF marker, stray text after an image):
    // those belong to the files. What we encode must add none and lose no MMSE packet.
    const files = FILES.filter((f) => !TSHARK_COMPLAINS.has(f));
    const originals = files.map((f) => readFileSync(join(DIR, f)));
    const ours = originals.map((b) => encodeMms(canonical(decodeMms(b))));
    const before = tshark(exportedPduPcap(originals, 'mmse_wsp', true));
    const after = tshark(exportedPduPcap(ours, 'mmse_wsp', true));
    expect(after.problems, after.text.slice(0, 4000)).toEqual(before.problems);
    expect(before.problems.every((p) => !/malformed/i.test(p))).toBe(true);
    expect(after.packets.every((p) => 'mmse' in p._source.layers)).toBe(true);
  });

  it.skipIf(!toolAvailable('tshark'))('Content-Disposition that arrived under 0x2E is rebuilt typed under 0x2E, and tshark reads it', () => {
    // These m-retrieve-confs send `inline` (a 1.4 value) under the 1.1 code 0x2E: AE 10 82 86 'name' 00.
    const files = ['mms-engine_mms_codec_m-retrieve_2.conf.mms', 'mms-engine_retrieve_Success1_m-retrieve.conf.mms'];
    const originals = files.map((f) => readFileSync(join(DIR, f)));
    const rebuilt = originals.map((b) => {
      const canon = canonical(decodeMms(b));
      const cds = canon.parts!.flatMap((p) => p.headers.filter((h) => h.name === 'Content-Disposition'));
      expect(cds.length).toBe(4);
      expect(cds.every((h) => h.code === 0x2e && /^inline; filename=/.test(h.value))).toBe(true);
      return encodeMms(canon);
    });
    const res = tshark(exportedPduPcap(rebuilt, 'mmse_wsp', true));
    // The second file's JPEG draws a content-level remark ("Trailing stray characters") of its own.
    expect(res.problems, res.text.slice(0, 4000)).toEqual(tshark(exportedPduPcap(originals, 'mmse_wsp', true)).problems);
    expect(res.problems.filter((p) => /invalid header value|malformed/i.test(p))).toEqual([]);
    for (const [i, pkt] of res.packets.entries()) {
      const layers = pkt._source.layers as Record<string, unknown>;
      expect(fieldValues(layers, 'wsp.header.content_disposition')).toEqual(['inline', 'inline', 'inline', 'inline']);
      expect(fieldValues(layers, 'wsp.parameter.filename')).toHaveLength(4);
      expect(rebuilt[i]!.includes(Buffer.from('ae108286', 'hex'))).toBe(true);
    }
  });
});
