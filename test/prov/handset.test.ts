import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { PushListener, type ProvisioningPush } from '../../src/handset/mms-receive.ts';
import { readProvisioningPush } from '../../src/prov/handset.ts';
import { parseTemplate, provDatagram, pushesFromTemplate } from '../../src/prov/index.ts';
import { MMS_YAML } from './fixtures.ts';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('the handset simulator and a provisioning push', () => {
  it('hears the push, verifies the MAC with the PIN and shows the settings; a wrong PIN discards it', async () => {
    const listener = new PushListener({ address: '127.0.0.1', port: 0 });
    const bound = await listener.open();
    cleanup.push(() => listener.close());
    const got = new Promise<ProvisioningPush>((r) => listener.once('provisioning', r));
    const [push] = pushesFromTemplate(parseTemplate(MMS_YAML), 'oma', { sec: { sec: 'USERPIN', pin: '1234' } });
    const sock = createSocket('udp4');
    cleanup.push(() => sock.close());
    sock.send(provDatagram(push!), bound.port, '127.0.0.1');
    const p = await got;
    const ok = readProvisioningPush(p.contentType, p.data, { pin: '1234' });
    expect(ok).toMatchObject({ kind: 'oma', sec: 'USERPIN', verified: true });
    expect(ok.problem).toBeUndefined();
    expect(ok.settings).toMatchObject({
      accessPoints: [{ apn: 'mms.example.com', bearer: 'GSM-GPRS', auth: { type: 'PAP', user: 'mms' } }],
      mms: { mmsc: 'http://mmsc.example.com/mms', proxy: '10.0.0.1' },
      browser: { home: 'http://wap.example.com/', bookmarks: [{ name: 'News', url: 'http://wap.example.com/news' }] },
    });
    const bad = readProvisioningPush(p.contentType, p.data, { pin: '9999' });
    expect(bad.verified).toBe(false);
    expect(bad.problem).toMatch(/MAC does not verify/);
    expect(bad.settings).toEqual({});
  });

  it('reads Nokia OTA settings', () => {
    const [s] = pushesFromTemplate(parseTemplate(MMS_YAML), 'ota');
    const r = readProvisioningPush({ type: 'application/x-wap-prov.browser-settings', params: [] }, s!.body);
    expect(r.settings).toMatchObject({ address: { apn: 'mms.example.com', proxy: '10.0.0.1', port: '9201' }, mmsc: 'http://mmsc.example.com/mms', home: 'http://wap.example.com/' });
  });
});
