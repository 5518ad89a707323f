import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUserDataHeader } from '../../src/bearer/sms/udh.ts';
import { DlrDispatcher, expandDlrUrl, urlEncode } from '../../src/smsbox/dlr.ts';
import { encodeGsm7 } from '../../src/smsbox/gsm7.ts';
import { SmsQueue, sqliteBackend, type SmsJob } from '../../src/smsbox/queue.ts';
import { plainCount, plainParts } from '../../src/smsbox/segment.ts';
import { openStore } from '../../src/store/index.ts';
import { tempDir } from '../support/tools.ts';

describe('dlr-url escapes', () => {
  const v = { type: 8, answer: 'ACK/', receiver: '00123', sender: '0049 123', time: Date.UTC(2026, 0, 2, 3, 4, 5), id: 'abc-1', user: 'u', coding: 0, dcs: 0, smsc: 'smpp', dlrUrl: 'http://x/?a=%d', mask: 31 };
  it('expands as Kannel: url-encoded values, %% and unknown codes kept', () => {
    expect(expandDlrUrl('http://h/d?d=%d&A=%A&p=%p&P=%P&q=%q&Q=%Q&T=%T&I=%I&n=%n&pc=%%&x=%x&R=%R', v)).toBe(
      'http://h/d?d=8&A=ACK%2F&p=00123&P=0049+123&q=%2B123&Q=%2B49+123&T=1767323045&I=abc-1&n=u&pc=%&x=%x&R=http%3A%2F%2Fx%2F%3Fa%3D%25d',
    );
    expect(expandDlrUrl('%t', v)).toMatch(/^\d{4}-\d\d-\d\d\+\d\d:\d\d:\d\d$/);
    expect(expandDlrUrl('%e|%C|%O|%u', { ...v, udh: Buffer.from([6, 5, 4]) })).toBe('41434B2F|UTF-8|00|060504');
    expect(urlEncode('a b/€')).toBe('a+b%2F%E2%82%AC');
  });
  it('never throws on any template', () => {
    fc.assert(fc.property(fc.string(), (t) => typeof expandDlrUrl(t, v) === 'string'));
  });
});

describe('dlr dispatcher', () => {
  it('bounds concurrency and the waiting list (oldest dropped), refuses non-http URLs', async () => {
    const started: string[] = [];
    const release: (() => void)[] = [];
    const counts: string[] = [];
    const d = new DlrDispatcher({ timeout: 1000, concurrency: 2, maxPending: 2 }, { get: (u) => (started.push(u), new Promise((r) => release.push(() => r(200)))), count: (o) => counts.push(o) });
    for (const n of [1, 2, 3, 4, 5]) d.call(`http://h/${n}`);
    d.call('ftp://h/x');
    expect(started).toEqual(['http://h/1', 'http://h/2']);
    expect(d.pending).toBe(2);
    expect(counts).toEqual(['dropped', 'failed']);
    release.splice(0).forEach((f) => f());
    await new Promise((r) => setTimeout(r, 10));
    expect(started).toEqual(['http://h/1', 'http://h/2', 'http://h/4', 'http://h/5']);
    release.splice(0).forEach((f) => f());
    await d.close();
  });
});

describe('plain SMS segmentation', () => {
  it('160 septets fit one; longer text 153 per part; an escape pair is never split', () => {
    expect(plainCount({ coding: 0, data: encodeGsm7('a'.repeat(160)), udh: [] })).toBe(1);
    expect(plainCount({ coding: 0, data: encodeGsm7('a'.repeat(161)), udh: [] })).toBe(2);
    const text = encodeGsm7('a'.repeat(152) + '€' + 'b'.repeat(10));
    const parts = plainParts({ coding: 0, data: text, udh: [] }, 7);
    const payloads = parts.map((p) => decodeUserDataHeader(p.userData).payload);
    expect(payloads[0]!.length).toBe(152);
    expect(payloads[1]!.subarray(0, 2)).toEqual(Buffer.from([0x1b, 0x65]));
    expect(decodeUserDataHeader(parts[0]!.userData).elements).toEqual([{ kind: 'concat', ref: 7, total: 2, seq: 1, refBits: 8 }]);
  });
  it('UCS-2 keeps surrogate pairs whole; every part stays within 140 octets', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (s) => {
        const data = Buffer.from(s, 'utf16le').swap16();
        const parts = plainParts({ coding: 2, data, udh: [] }, 1);
        for (const p of parts) {
          expect(p.userData.length).toBeLessThanOrEqual(140);
          const pl = p.udhi ? decodeUserDataHeader(p.userData).payload : p.userData;
          expect(pl.length % 2).toBe(0);
          if (pl.length) expect(pl[pl.length - 2]! >= 0xd8 && pl[pl.length - 2]! <= 0xdb).toBe(false);
        }
        expect(Buffer.concat(parts.map((p) => (p.udhi ? decodeUserDataHeader(p.userData).payload : p.userData)))).toEqual(data);
      }),
      { numRuns: 200 },
    );
  });
});

describe('durable queue', () => {
  it('jobs and DLR correlations come back from the store; settled ones do not', async () => {
    const path = join(tempDir('smsbox-q-'), 'wapgate.db');
    const job = (id: string): SmsJob => ({
      id,
      to: '+1',
      msg: { user: 'u', from: '', kind: 'sms', data: Buffer.from([1, 2]), udh: [], coding: 1, dataCoding: 4, parts: 1, dlrMask: 3, text: Buffer.from([1, 2]) },
      accepted: 1,
      expires: 2,
      notBefore: 1,
      attempts: 0,
    });
    const s1 = openStore({ path });
    const q1 = new SmsQueue(10, 10, sqliteBackend(s1));
    await q1.add([job('a'), job('b')]);
    q1.done(q1.take(5, 1)[0]!);
    q1.correlate({ jobId: 'c', to: '+2', pending: ['m1', 'm2'], msg: { user: 'u', from: '', coding: 1, dataCoding: 4, dlrMask: 3, dlrUrl: 'http://h/' }, created: 3 });
    q1.settle(q1.bySmsc('m1')!, 'm1');
    await s1.commits.write(() => {});
    s1.close();
    const s2 = openStore({ path });
    const q2 = new SmsQueue(10, 10, sqliteBackend(s2));
    expect(q2.size).toBe(1);
    expect(q2.take(5, 5)[0]!.msg.data).toEqual(Buffer.from([1, 2]));
    expect(q2.bySmsc('m1')).toBeUndefined();
    expect(q2.bySmsc('m2')?.pending).toEqual(['m2']);
    s2.close();
  });
});
