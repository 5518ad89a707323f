import { describe, expect, it } from 'vitest';
import type { SmsPushSender, SubmitOptions } from '../../src/bearer/sms/sender.ts';
import { compileProvisioning, buildProvPush, ProvError } from '../../src/prov/index.ts';
import { deliverProvPush, ProvDeliveryError, type PushSubmitter } from '../../src/push/prov-delivery.ts';
import { MMS_XML } from './fixtures.ts';

const omaPush = buildProvPush('oma', compileProvisioning(MMS_XML).wbxml, { sec: 'USERPIN', pin: '1234' });
const nokia = compileProvisioning('<CHARACTERISTIC-LIST><CHARACTERISTIC TYPE="URL" VALUE="http://wap.example.com/"/></CHARACTERISTIC-LIST>');
const nokiaPush = buildProvPush(nokia.kind, nokia.wbxml);

function fakes() {
  const sent: { msisdn: string; blocks: readonly Buffer[]; opts: SubmitOptions }[] = [];
  const queued: unknown[] = [];
  const sms: SmsPushSender = { submitUserData: async (msisdn, blocks, opts) => (sent.push({ msisdn, blocks, opts }), ['x']), onReceipt: () => {} };
  const ppg: PushSubmitter = { submit: async (m) => (queued.push(m), { code: 1001, desc: 'ok' }) };
  return { sent, queued, sms, ppg };
}

describe('delivering a provisioning push', () => {
  it('checks the IP bearer limit before queueing', async () => {
    const f = fakes();
    const e = await deliverProvPush(omaPush, { to: '10.0.0.7' }, { ppg: f.ppg, limits: { maxIpOctets: 200 } }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ProvError);
    expect((e as ProvError).httpStatus).toBe(413);
    expect((e as Error).message).toMatch(/exceeds the IP bearer's 200/);
    expect(f.queued).toHaveLength(0);
    const ok = await deliverProvPush(omaPush, { to: '10.0.0.7' }, { ppg: f.ppg });
    expect(ok).toMatchObject({ via: 'ppg', bearer: 'ip', segments: 1 });
  });

  it('sends Nokia OTA settings by SMS only, from the given originator, and refuses them over IP', async () => {
    const f = fakes();
    const r = await deliverProvPush(nokiaPush, { to: '+15551234', from: '4321' }, { sms: f.sms });
    expect(r).toMatchObject({ via: 'sms', bearer: 'sms', segments: 1 });
    expect(f.sent[0]!.opts.sourceAddr).toBe('4321');
    await expect(deliverProvPush(nokiaPush, { to: '10.0.0.7' }, { sms: f.sms })).rejects.toBeInstanceOf(ProvDeliveryError);
    await expect(deliverProvPush(nokiaPush, { to: '+15551234' }, {})).rejects.toThrow(/no SMSC/);
  });

  it('refuses a recipient that is neither a number nor an address, and SMS to an IP address', async () => {
    const f = fakes();
    await expect(deliverProvPush(omaPush, { to: 'bob' }, { ppg: f.ppg, sms: f.sms })).rejects.toThrow(/neither a phone number nor an IP address/);
    await expect(deliverProvPush(omaPush, { to: '10.0.0.7', bearer: 'sms' }, { ppg: f.ppg, sms: f.sms })).rejects.toThrow(/cannot be reached over SMS/);
    expect(f.queued).toHaveLength(0);
  });
});
