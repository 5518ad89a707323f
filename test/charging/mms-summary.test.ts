/**
 * The MMS peek for CDRs, on real PDUs from ../shared/captures/mms (third-party fixtures), with tshark's MMSE
 * dissector as the oracle for the values; and on garbage, where it must give undefined, never throw.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mmsSummary, mmsTransactionSummary } from '../../src/charging/mms-summary.ts';
import { MESSAGE_TYPE_CODES } from '../../src/mms/fields.ts';
import { exportedPduPcap } from '../../src/trace/pcap.ts';
import { fieldValues, SHARED_DIR, sharedAvailable, tempDir, toolAvailable, type TsharkPacket } from '../support/tools.ts';

const MMS = 'application/vnd.wap.mms-message';
const dir = join(SHARED_DIR, 'captures', 'mms');
const haveShared = sharedAvailable();

describe.skipIf(!haveShared || !toolAvailable('tshark'))('mmsSummary on real PDUs, checked by tshark', () => {
  const files = haveShared ? readdirSync(dir).filter((f) => f.endsWith('.mms')) : [];
  it('agrees with tshark on type, Transaction-Id, Message-ID and recipients for every fixture', () => {
    const bodies = files.map((f) => readFileSync(join(dir, f)));
    // --no-duplicate-keys: a PDU with two To fields keeps both in tshark's JSON.
    const file = join(tempDir(), 'mms.pcap');
    writeFileSync(file, exportedPduPcap(bodies, 'mmse_wsp', true));
    const json = execFileSync('tshark', ['-r', file, '-n', '-T', 'json', '--no-duplicate-keys'], { maxBuffer: 64 << 20 });
    const t = { packets: JSON.parse(json.toString()) as TsharkPacket[] };
    expect(t.packets).toHaveLength(bodies.length);
    let checked = 0;
    bodies.forEach((body, i) => {
      const s = mmsSummary(body, `${MMS}; charset=utf-8`);
      const pkt = t.packets[i]!;
      const type = fieldValues(pkt, 'mmse.message_type')[0];
      if (!type) return; // tshark could not make sense of it either
      expect(s, files[i]).toBeDefined();
      const code = MESSAGE_TYPE_CODES.get(s!.messageType as never) ?? parseInt(s!.messageType!, 16);
      expect(code, files[i]).toBe(Number(type));
      const tid = fieldValues(pkt, 'mmse.transaction_id')[0];
      expect(s!.transactionId, files[i]).toBe(tid);
      const mid = fieldValues(pkt, 'mmse.message_id')[0];
      expect(s!.messageId, files[i]).toBe(mid);
      const rcpt = ['mmse.to', 'mmse.cc', 'mmse.bcc'].reduce((n, f) => n + fieldValues(pkt, f).length, 0);
      expect(s!.recipients ?? 0, files[i]).toBe(rcpt);
      checked++;
    });
    expect(checked).toBeGreaterThan(20);
  });

  it('merges an m-send-req with its m-send-conf', () => {
    const req = readFileSync(join(dir, 'mms-engine_mms_codec_m-send_1.req.mms'));
    const conf = readFileSync(join(dir, 'mms-engine_mms_codec_m-send_1.conf.mms'));
    expect(mmsTransactionSummary({ body: req, contentType: MMS }, { body: conf, contentType: MMS })).toEqual({
      messageType: 'm-send-req',
      transactionId: 'c024802b-2ebf-428d-b4d6-a8f991deed44',
      messageId: 'BIR5LJHVQTGK1',
      recipients: 1,
    });
    expect(mmsTransactionSummary(undefined, { body: conf, contentType: MMS })?.messageType).toBe('m-send-conf');
    expect(mmsTransactionSummary({ body: req, contentType: 'text/plain' }, undefined)).toBeUndefined();
  });
});

describe('mmsSummary on bad input', () => {
  it('gives undefined for other content types, empty or broken bodies, and never throws', () => {
    expect(mmsSummary(Buffer.from([0x8c, 0x80]), 'text/plain')).toBeUndefined();
    expect(mmsSummary(Buffer.alloc(0), MMS)).toBeUndefined();
    expect(mmsSummary(undefined, MMS)).toBeUndefined();
    expect(mmsSummary(Buffer.from([0x8c]), MMS)).toBeUndefined();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        const bytes = Buffer.from(b);
        if (bytes.length > 0) bytes[0] = 0x8c;
        mmsSummary(bytes, MMS);
      }),
      { numRuns: 20_000 },
    );
  });
});
