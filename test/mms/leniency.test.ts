/**
 * MMS leniencies (docs/leniency.md), one synthetic vector each; and every body-less real PDU in
 * ../shared/captures/mms padded with NULs decodes to what the unpadded one does and re-encodes byte for byte.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeMms, encodeMms } from '../../src/mms/index.ts';
import { WapDecodeError } from '../../src/wire/errors.ts';
import { SHARED_DIR, sharedAvailable } from '../support/tools.ts';
import { canonical } from './support.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
// m-notifyresp-ind: Message-Type 0x83, Transaction-Id 'T1', MMS-Version 1.2, Status Retrieved (0x81).
const NOTIFYRESP = hex('8c83 98 543100 8d92 9581');

describe('MMS leniencies (docs/leniency.md)', () => {
  it('NUL padding after the last header of a body-less PDU is accepted and kept for re-encoding', () => {
    const padded = Buffer.concat([NOTIFYRESP, Buffer.alloc(5)]);
    const pdu = decodeMms(padded);
    expect(pdu.messageType).toBe('m-notifyresp-ind');
    expect(pdu.headers).toEqual(decodeMms(NOTIFYRESP).headers);
    expect(pdu.wire?.padding).toBe(5);
    expect(encodeMms(pdu).equals(padded)).toBe(true);
    // Built afresh (no wire record), the PDU has no padding: that is the canonical form.
    expect(encodeMms(canonical(pdu)).equals(NOTIFYRESP)).toBe(true);
  });

  it('a NUL followed by anything else is still refused, with its offset', () => {
    const bad = Buffer.concat([NOTIFYRESP, hex('00 00 8c')]);
    try {
      decodeMms(bad);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(WapDecodeError);
      expect((e as WapDecodeError).offset).toBe(NOTIFYRESP.length);
    }
    expect(() => decodeMms(hex('00 00'))).toThrow(WapDecodeError);
  });

  it('padding is not kept once the PDU gets a body', () => {
    const pdu = decodeMms(Buffer.concat([NOTIFYRESP, Buffer.alloc(3)]));
    const withBody = encodeMms({ ...pdu, contentType: { type: 'text/plain', params: [] }, body: Buffer.from('hi') });
    expect(withBody.subarray(-2).toString()).toBe('hi');
  });

  it('X-Mms-Message-Type after another header is accepted (the order is kept)', () => {
    const late = hex('98 543100 8c83 8d92 9581');
    const pdu = decodeMms(late);
    expect(pdu.messageType).toBe('m-notifyresp-ind');
    expect(encodeMms(pdu).equals(late)).toBe(true);
  });

  it('a field whose value this codec cannot type is kept raw and written back', () => {
    // X-Mms-Status as a Value-length framed octet (a Short-integer is the grammar).
    const odd = hex('8c83 98 543100 8d92 95 0181');
    const pdu = decodeMms(odd);
    expect(pdu.headers.unknown).toEqual([{ code: 0x15, value: hex('0181') }]);
    expect(encodeMms(pdu).equals(odd)).toBe(true);
  });
});

const DIR = join(SHARED_DIR, 'captures', 'mms');
const FILES = sharedAvailable() ? readdirSync(DIR).filter((f) => f.endsWith('.mms')).sort() : [];

describe.skipIf(!sharedAvailable())('real body-less PDUs, padded', () => {
  it('each decodes as unpadded and re-encodes byte for byte', () => {
    let n = 0;
    for (const f of FILES) {
      const buf = readFileSync(join(DIR, f));
      const pdu = decodeMms(buf);
      if (pdu.contentType) continue;
      n++;
      for (const pad of [1, 7, 64]) {
        const padded = Buffer.concat([buf, Buffer.alloc(pad)]);
        const p = decodeMms(padded);
        expect(canonical(p), f).toEqual(canonical(pdu));
        expect(encodeMms(p).equals(padded), f).toBe(true);
        expect(canonical(decodeMms(encodeMms(p)))).toEqual(canonical(pdu));
      }
    }
    expect(n).toBeGreaterThan(10);
  });
});
