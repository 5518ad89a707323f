/**
 * Handset profiles: the ones taken from real traffic send what that traffic holds (the Nokia 3510i's Connect
 * byte for byte, Kannel fakewap's Connect byte for byte), every built-in Connect reads clean in tshark, and a
 * profile file is checked.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  builtinProfiles,
  connectHeaders,
  loadProfile,
  mergeHeaders,
  parseProfile,
  profileCapabilities,
  profileHeaders,
  versionOf,
  type HandsetProfile,
} from '../../src/handset/profiles/index.ts';
import { exportedPduPcap } from '../../src/trace/pcap.ts';
import { decodeWspPdu, encodeWspPdu } from '../../src/wsp/pdu.ts';
import { SHARED_DIR, sharedAvailable, tempDir, toolAvailable, tshark } from '../support/tools.ts';

function connectOf(p: HandsetProfile): Buffer {
  return encodeWspPdu({ type: 'Connect', version: versionOf(p.connect.version), capabilities: profileCapabilities(p), headers: connectHeaders(p) });
}

describe('handset profiles', () => {
  it.skipIf(!sharedAvailable())('nokia-3510i sends the captured Connect, octet for octet', () => {
    const real = readFileSync(join(SHARED_DIR, 'captures', 'wsp', 'nokia3510i_wsp-connect.bin'));
    expect(connectOf(loadProfile('nokia-3510i')).toString('hex')).toBe(real.toString('hex'));
  });

  it("kannel-fakewap sends fakewap's Connect (kannel-fakewap-co.pcap frame 1)", () => {
    expect(connectOf(loadProfile('kannel-fakewap')).toString('hex')).toBe('01100a0b0480c080000481c080008080a966616b6577617000');
  });

  it('the default is an MMS handset that accepts MMS, images, text, SMIL and WML', () => {
    const p = loadProfile();
    expect(p.name).toBe('mms-phone');
    const accept = profileHeaders(p).filter((h) => h.name === 'Accept').map((h) => h.value);
    for (const t of ['application/vnd.wap.mms-message', 'image/jpeg', 'image/gif', 'text/plain', 'application/smil', 'application/vnd.wap.wmlc', 'text/vnd.wap.wml']) {
      expect(accept).toContain(t);
    }
    expect(p.mmsVersion).toBe('1.2');
    expect(profileHeaders(p).some((h) => h.name === 'User-Agent')).toBe(true);
  });

  it('every built-in Connect decodes back to its profile (headers, capabilities)', () => {
    for (const p of builtinProfiles()) {
      const pdu = decodeWspPdu(connectOf(p));
      expect(pdu.type).toBe('Connect');
      if (pdu.type !== 'Connect') continue;
      expect(pdu.headers.map((h) => [h.name, h.value])).toEqual(connectHeaders(p).map((h) => [h.name, h.value]));
      expect(pdu.capabilities).toEqual(profileCapabilities(p));
    }
  });

  it.skipIf(!toolAvailable('tshark'))('tshark reads every built-in Connect without a complaint', () => {
    const res = tshark(exportedPduPcap(builtinProfiles().map(connectOf), 'wsp-co'));
    expect(res.packets).toHaveLength(builtinProfiles().length);
    // The Nokia's own Connect draws tshark's "should be encoded as a textual value" remark (SOURCES.md); ours add none.
    expect(res.problems.filter((x) => !/textual value/.test(x))).toEqual([]);
  });

  it('a profile file (YAML or JSON) is checked; an unknown key is refused with its path', () => {
    const dir = tempDir();
    const f = join(dir, 'p.yaml');
    writeFileSync(f, 'name: my-phone\nuserAgent: Test/1.0\naccept: [image/png, application/vnd.wap.mms-message]\nconnect:\n  capabilities: { clientSduSize: 3000, methodMor: 2 }\nmmsVersion: "1.1"\n');
    const p = loadProfile(f);
    expect(p).toMatchObject({ name: 'my-phone', mmsVersion: '1.1', pushPorts: { cl: 2948, co: 2949 } });
    expect(profileCapabilities(p)).toEqual({ clientSduSize: 3000, methodMor: 2 });
    expect(() => parseProfile('name: x\nacept: []\n')).toThrow(/acept|Unrecognized/);
    expect(() => parseProfile('{"name":"x","mmsVersion":"2.0"}')).toThrow(/mmsVersion/);
    expect(() => loadProfile(join(dir, 'missing.yaml'))).toThrow(/no profile/);
  });

  it('--header replaces the profile header of the same name (x-wap-profile replaces Profile)', () => {
    const base = [
      { name: 'Accept', value: 'a/b' },
      { name: 'Profile', value: 'http://x/p.xml' },
      { name: 'User-Agent', value: 'U' },
    ];
    expect(mergeHeaders(base, [{ name: 'accept', value: '*/*' }, { name: 'X-Wap-Profile', value: 'http://y' }])).toEqual([
      { name: 'User-Agent', value: 'U' },
      { name: 'accept', value: '*/*' },
      { name: 'X-Wap-Profile', value: 'http://y' },
    ]);
  });
});
