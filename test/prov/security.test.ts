import { readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProvPush, imsiKey, parseSec, provDatagram, ProvError, ProvErrorCode, secFromContentType, signProvisioning, verifyProvisioning } from '../../src/prov/index.ts';
import { SHARED_DIR, sharedAvailable } from '../support/tools.ts';

const doc = Buffer.from('030b6a00c54601c6550187070603784e0001010101', 'hex');

describe('ProvBoot security', () => {
  it('derives the NETWPIN key from the IMSI in EF_IMSI semi-octets (parity nibble, F padding)', () => {
    // 15 digits: odd → first nibble 9
    expect(imsiKey('262011234567890').toString('hex')).toBe('2926102143658709');
    // 14 digits: even → first nibble 1, last semi-octet F
    expect(imsiKey('26201123456789').toString('hex')).toBe('21261021436587f9');
    // shorter IMSIs fill the 8 octets with F
    expect(imsiKey('1234567').toString('hex')).toBe('19325476ffffffff');
  });

  it('signs with each method: the key is what the method says', () => {
    const h = (key: Buffer) => createHmac('sha1', key).update(doc).digest('hex').toUpperCase();
    expect(signProvisioning(doc, { sec: 'USERPIN', pin: '1234' }).mac).toBe(h(Buffer.from('1234')));
    expect(signProvisioning(doc, { sec: 'NETWPIN', imsi: '262011234567890' }).mac).toBe(h(Buffer.from('2926102143658709', 'hex')));
    // Kannel's sendota carries the IMSI in the PIN for NETWPIN
    expect(signProvisioning(doc, { sec: 'NETWPIN', pin: '262011234567890' }).mac).toBe(h(Buffer.from('2926102143658709', 'hex')));
    expect(signProvisioning(doc, { sec: 'USERNETWPIN', imsi: '262011234567890', pin: '1234' }).mac).toBe(
      h(Buffer.concat([Buffer.from('2926102143658709', 'hex'), Buffer.from('1234')])),
    );
  });

  it('USERPINMAC: the user PIN is U followed by HMAC-derived digits, and verifies', () => {
    const s = signProvisioning(doc, { sec: 'USERPINMAC', pin: '12345' });
    const digest = createHmac('sha1', '12345').update(doc).digest();
    const m = [...digest.subarray(0, 5)].map((b) => String(b % 10)).join('');
    expect(s.userPin).toBe(`12345${m}`);
    expect(verifyProvisioning(doc, 'USERPINMAC', s.mac, { pin: s.userPin! })).toBe(true);
    expect(verifyProvisioning(doc, 'USERPINMAC', s.mac, { pin: `12345${m.split('').reverse().join('')}` })).toBe(m === m.split('').reverse().join(''));
  });

  it('verifies and refuses MACs as a handset does', () => {
    const s = signProvisioning(doc, { sec: 'USERPIN', pin: '1234' });
    expect(verifyProvisioning(doc, 'USERPIN', s.mac, { pin: '1234' })).toBe(true);
    expect(verifyProvisioning(doc, 'USERPIN', s.mac.toLowerCase(), { pin: '1234' })).toBe(true);
    expect(verifyProvisioning(doc, 'USERPIN', s.mac, { pin: '1235' })).toBe(false);
    expect(verifyProvisioning(Buffer.concat([doc, Buffer.from([1])]), 'USERPIN', s.mac, { pin: '1234' })).toBe(false);
    expect(verifyProvisioning(doc, 'NETWPIN', s.mac, { imsi: 'abc' })).toBe(false);
  });

  it('refuses a PIN or IMSI the method cannot use, naming it', () => {
    const e = (fn: () => unknown) => {
      try {
        fn();
      } catch (x) {
        return x as ProvError;
      }
      throw new Error('no error');
    };
    const netw = e(() => signProvisioning(doc, { sec: 'NETWPIN', pin: '12a4' }));
    expect(netw.code).toBe(ProvErrorCode.PIN);
    expect(netw.message).toMatch(/IMSI: IMSI must be decimal digits/);
    expect(e(() => signProvisioning(doc, { sec: 'USERPIN', pin: 'abcd' })).message).toMatch(/PIN must be decimal digits/);
    expect(e(() => signProvisioning(doc, { sec: 'USERNETWPIN', pin: '1234' })).code).toBe(ProvErrorCode.PIN);
    expect(e(() => parseSec('FOO')).element).toBe('SEC');
    expect(parseSec('userpin')).toBe('USERPIN');
    expect(parseSec('3')).toBe('USERPINMAC');
  });

  it.skipIf(!sharedAvailable())('the real OMA push (mmsd_push5): SEC=USERPIN, MAC verifies with PIN 1234, and we rebuild it byte-exact', () => {
    const wsp = readFileSync(join(SHARED_DIR, 'captures/wap-push/mmsd_push5.wsp'));
    const body = wsp.subarray(0x32);
    const ct = 'application/vnd.wap.connectivity-wbxml; SEC=1; MAC=59D36D14E88499A3D56EBA6D4F94A67041BD2A9C';
    const { sec, mac } = secFromContentType(ct);
    expect(sec).toBe('USERPIN');
    expect(verifyProvisioning(body, sec!, mac, { pin: '1234' })).toBe(true);
    expect(provDatagram(buildProvPush('oma', body, { sec: 'USERPIN', pin: '1234' }), 0xc4).equals(wsp)).toBe(true);
  });
});
