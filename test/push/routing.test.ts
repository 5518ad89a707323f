import { describe, expect, it } from 'vitest';
import { parsePushAddress } from '../../src/push/address.ts';
import type { PushTransport, SmsPushSender } from '../../src/push/delivery.ts';
import type { QualityOfService } from '../../src/push/pap-parse.ts';
import { chooseRoute } from '../../src/push/routing.ts';
import type { PushRecord, Target } from '../../src/push/store.ts';

const transport: PushTransport = { sendDatagram: async () => {} };
const sms: SmsPushSender = { submitUserData: async () => [], onReceipt: () => {} };
const wtp = { invoke: async () => undefined };
const qos = (o: Partial<QualityOfService> = {}): QualityOfService => ({ priority: 'medium', deliveryMethod: 'notspecified', networkRequired: false, bearerRequired: false, ...o });
const route = (addr: string, q: QualityOfService, deps: Parameters<typeof chooseRoute>[2]) =>
  chooseRoute({ qos: q } as PushRecord, { address: parsePushAddress(addr) } as Target, deps);

describe('bearer choice (WAP-249 §6.3)', () => {
  const plmn = 'WAPPUSH=+15551234/TYPE=PLMN@ppg';
  const online = (m: string) => (m === '+15551234' ? '10.0.0.7' : undefined);
  it('IP address: IP when a transport (or, confirmed, a WTP initiator) exists, else wait', () => {
    expect(route('WAPPUSH=10.0.0.1/TYPE=IPv4@ppg', qos(), { transport })).toEqual({ bearer: 'ip', ip: '10.0.0.1' });
    expect(route('WAPPUSH=10.0.0.1/TYPE=IPv4@ppg', qos(), {})).toEqual({ wait: 'no IP transport' });
    expect(route('WAPPUSH=10.0.0.1/TYPE=IPv4@ppg', qos({ deliveryMethod: 'confirmed' }), { wtp })).toEqual({ bearer: 'ip', ip: '10.0.0.1' });
  });
  it('PLMN: IP when the subscriber is online, SMS otherwise, SMS when the PI requires it', () => {
    expect(route(plmn, qos(), { transport, sms, resolveMsisdn: online })).toEqual({ bearer: 'ip', ip: '10.0.0.7', msisdn: '+15551234' });
    expect(route(plmn, qos(), { transport, sms, resolveMsisdn: () => undefined })).toEqual({ bearer: 'sms', msisdn: '+15551234' });
    expect(route(plmn, qos({ bearerRequired: true, bearer: 'SMS' }), { transport, sms, resolveMsisdn: online })).toEqual({ bearer: 'sms', msisdn: '+15551234' });
    expect(route(plmn, qos({ bearerRequired: true, bearer: 'GPRS' }), { transport, sms, resolveMsisdn: () => undefined })).toMatchObject({ wait: expect.stringMatching(/no IP address/) });
    expect(route(plmn, qos({ deliveryMethod: 'confirmed' }), { wtp, sms, resolveMsisdn: () => undefined })).toMatchObject({ wait: expect.any(String) });
    expect(route(plmn, qos(), {})).toMatchObject({ wait: expect.stringMatching(/no route/) });
  });
  it('a subscriber map keyed without the + still matches', () => {
    expect(route(plmn, qos(), { transport, resolveMsisdn: (m) => (m === '15551234' ? '10.0.0.8' : undefined) })).toMatchObject({ bearer: 'ip', ip: '10.0.0.8' });
  });
});
