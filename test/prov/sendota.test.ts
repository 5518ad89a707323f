import { afterEach, describe, expect, it } from 'vitest';
import type { SmsPushSender } from '../../src/bearer/sms/sender.ts';
import { decodeUserDataHeader } from '../../src/bearer/sms/udh.ts';
import { decodeProvWbxml, secFromContentType, verifyProvisioning } from '../../src/prov/index.ts';
import type { PushSubmitter } from '../../src/push/prov-delivery.ts';
import { loadNamedSettings } from '../../src/prov/settings.ts';
import type { PushMessage } from '../../src/push/pap-parse.ts';
import type { PushPduInput } from '../../src/push/push-pdu.ts';
import { createSmsboxListener, resolveSmsboxOptions } from '../../src/smsbox/index.ts';
import { mountSendota, SENDOTA_TEXT, type ProvConfig } from '../../src/smsbox/sendota.ts';
import type { WapgateConfig } from '../../src/config/schema.ts';

// the prov: section is what sendotaDepsFromConfig takes
export const provConfigFits = (c: WapgateConfig['prov']): ProvConfig => c;
import { MMS_XML, MMS_YAML } from './fixtures.ts';

interface Submitted {
  msg: PushMessage;
  content: PushPduInput;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function setup(opts: { ips?: Record<string, string>; refuse?: number } = {}) {
  const submitted: Submitted[] = [];
  const sms: { msisdn: string; blocks: Buffer[] }[] = [];
  const ppg: PushSubmitter = {
    submit(msg, content) {
      if (opts.refuse) throw Object.assign(new Error('queue full'), { code: opts.refuse });
      submitted.push({ msg, content });
      return { code: 1001, desc: 'Accepted' };
    },
  };
  const smsSender: SmsPushSender = {
    async submitUserData(msisdn, blocks) {
      sms.push({ msisdn, blocks: [...blocks] });
      return blocks.map((_, i) => `id${i}`);
    },
    onReceipt() {},
  };
  const listener = createSmsboxListener(resolveSmsboxOptions({ users: [{ username: 'tester', password: 'foobar', allowIps: [], denyIps: [] }], trustedIps: ['127.0.0.1'] }));
  mountSendota(listener, {
    authenticate: listener.authenticate,
    settings: loadNamedSettings([{ id: 'mms', template: { apn: 'mms.example.com', mmsc: 'http://mmsc.example.com/' } }, { id: 'nokia', format: 'ota', file: 'n.yaml' }], { readFile: () => Buffer.from(MMS_YAML) }),
    delivery: { ppg, sms: smsSender, resolveMsisdn: (m) => opts.ips?.[m] },
    defaults: { sec: 'USERPIN', pin: '1234', globalSender: '12345' },
  });
  const addr = await listener.listen(0, '127.0.0.1');
  closers.push(() => listener.close());
  const base = `http://127.0.0.1:${addr.port}/cgi-bin/sendota`;
  return { base, submitted, sms };
}

const kannelHeaders = (extra: Record<string, string> = {}) => ({
  'X-Kannel-Username': 'tester',
  'X-Kannel-Password': 'foobar',
  'X-Kannel-To': '+358401234567',
  'Content-Type': 'text/vnd.wap.connectivity-xml',
  ...extra,
});

describe('/cgi-bin/sendota', () => {
  it('POST of PROV XML with Kannel headers: compiled, signed USERPIN 1234 by default, handed to the PPG over SMS', async () => {
    const t = await setup();
    const r = await fetch(t.base, { method: 'POST', headers: kannelHeaders(), body: MMS_XML });
    expect([r.status, await r.text()]).toEqual([202, SENDOTA_TEXT.SENT]);
    expect(t.submitted).toHaveLength(1);
    const { msg, content } = t.submitted[0]!;
    expect(msg.addresses[0]!.raw).toBe('WAPPUSH=+358401234567/TYPE=PLMN@wapgate');
    expect(msg.qos.bearer).toBeUndefined(); // any: SMS since no IP is known
    const { sec, mac } = secFromContentType(content.contentType);
    expect(sec).toBe('USERPIN');
    expect(verifyProvisioning(content.body, 'USERPIN', mac, { pin: '1234' })).toBe(true);
    expect(decodeProvWbxml(content.body).xml).toContain('value="mms.example.com"');
  });

  it('X-Kannel-SEC / -PIN choose the security; NETWPIN takes the IMSI', async () => {
    const t = await setup();
    const r = await fetch(t.base, { method: 'POST', headers: kannelHeaders({ 'X-Kannel-SEC': 'NETWPIN', 'X-Kannel-PIN': '262011234567890' }), body: MMS_XML });
    expect(r.status).toBe(202);
    const { content } = t.submitted[0]!;
    const { sec, mac } = secFromContentType(content.contentType);
    expect(sec).toBe('NETWPIN');
    expect(verifyProvisioning(content.body, 'NETWPIN', mac, { imsi: '262011234567890' })).toBe(true);
  });

  it('USERPINMAC: the 202 answer carries the PIN the user must type', async () => {
    const t = await setup();
    const r = await fetch(t.base, { method: 'POST', headers: kannelHeaders({ 'X-Kannel-SEC': 'USERPINMAC', 'X-Kannel-PIN': '13579' }), body: MMS_XML });
    expect(r.status).toBe(202);
    const pin = r.headers.get('x-wapgate-user-pin')!;
    expect(pin).toMatch(/^13579\d{5}$/);
    const { content } = t.submitted[0]!;
    expect(verifyProvisioning(content.body, 'USERPINMAC', secFromContentType(content.contentType).mac, { pin })).toBe(true);
  });

  it('goes over IP when the subscriber map knows the handset, or to an IP address', async () => {
    const t = await setup({ ips: { '+358401234567': '10.1.2.3' } });
    expect((await fetch(t.base, { method: 'POST', headers: kannelHeaders({ 'X-Wapgate-Bearer': 'ip' }), body: MMS_XML })).status).toBe(202);
    expect(t.submitted[0]!.msg.qos.bearer).toBe('IPv4');
    expect((await fetch(t.base, { method: 'POST', headers: kannelHeaders({ 'X-Kannel-To': '127.0.0.5' }), body: MMS_XML })).status).toBe(202);
    expect(t.submitted[1]!.msg.addresses[0]!.type).toBe('IPv4');
    const r = await fetch(t.base, { method: 'POST', headers: kannelHeaders({ 'X-Kannel-To': '+4412345', 'X-Wapgate-Bearer': 'ip' }), body: MMS_XML });
    expect(r.status).toBe(404);
    expect(await r.text()).toMatch(/no IP address is known for \+4412345/);
  });

  it('GET with otaid sends the named setting; Nokia settings go straight to SMS on ports 49999/49154', async () => {
    const t = await setup();
    const q = 'username=tester&password=foobar&to=%2B358401234567';
    expect((await fetch(`${t.base}?${q}&otaid=mms`)).status).toBe(202);
    expect(t.submitted).toHaveLength(1);
    const r = await fetch(`${t.base}?${q}&otaid=nokia`);
    expect([r.status, await r.text()]).toEqual([202, '0: Accepted for delivery']);
    expect(t.sms.map((s) => s.msisdn)).toEqual(['+358401234567', '+358401234567']); // settings and bookmarks
    const udh = decodeUserDataHeader(t.sms[0]!.blocks[0]!);
    expect(udh.elements.find((e) => e.kind === 'ports')).toMatchObject({ dst: 49999, src: 49154 });
    const missing = await fetch(`${t.base}?${q}&otaid=nope`);
    expect([missing.status, await missing.text()]).toEqual([400, SENDOTA_TEXT.GROUP]);
  });

  it("answers Kannel's refusals and sends nothing", async () => {
    const t = await setup();
    const bad = async (headers: Record<string, string>, body: string, status: number, text: RegExp) => {
      const r = await fetch(t.base, { method: 'POST', headers, body });
      expect(r.status).toBe(status);
      expect(await r.text()).toMatch(text);
    };
    await bad(kannelHeaders({ 'X-Kannel-Password': 'wrong' }), MMS_XML, 403, /^Authorization failed for sendota$/);
    const noTo: Record<string, string> = kannelHeaders();
    delete noTo['X-Kannel-To'];
    await bad(noTo, MMS_XML, 400, /^Wrong sendota args\.$/);
    await bad(kannelHeaders({ 'Content-Type': 'text/plain' }), MMS_XML, 415, /^Unsupported content-type, rejected$/);
    await bad(kannelHeaders(), MMS_XML.replace('"NAP-ADDRTYPE"', '"NAP-TYPE"'), 400, /cannot compile\n.*parm\[NAP-TYPE\]: unknown parm name/);
    await bad(kannelHeaders(), '<wap-provisioningdoc><characteristic', 400, /cannot compile\nXML not well-formed/);
    await bad(kannelHeaders({ 'X-Kannel-SEC': 'NETWPIN', 'X-Kannel-PIN': '12ab' }), MMS_XML, 400, /IMSI must be decimal digits/);
    await bad(kannelHeaders({ 'X-Kannel-SEC': 'WHATEVER' }), MMS_XML, 400, /unknown security method 'WHATEVER'/);
    const big = MMS_XML.replace('</wap-provisioningdoc>', `${'<characteristic type="APPLICATION"><parm name="APPID" value="w2"/><parm name="NAME" value="aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"/></characteristic>'.repeat(20)}</wap-provisioningdoc>`);
    await bad(kannelHeaders(), big, 413, /needs \d+ SMS \(limit 10\)/);
    expect(t.submitted).toHaveLength(0);
    expect(t.sms).toHaveLength(0);
  });

  it('a PPG that refuses is a 503 with its reason', async () => {
    const t = await setup({ refuse: 4001 });
    const r = await fetch(t.base, { method: 'POST', headers: kannelHeaders(), body: MMS_XML });
    expect(r.status).toBe(503);
    expect(await r.text()).toMatch(/^Sending failed\.\nPPG refused the push: queue full/);
  });
});
