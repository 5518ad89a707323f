/**
 * Kannel 1.4.5's own smsbox is the reference for /cgi-bin/sendota: bearerbox + smsbox + fakesmsc on loopback
 * (ephemeral ports, a temp dir, started and stopped by PID — never the shared peer harness's ports). The same
 * requests, good and bad, go to Kannel and to wapgate's sendota: status and answer text must agree (wapgate adds
 * the reason on a second line). What Kannel hands fakesmsc is compared with what wapgate sends: the Nokia OTA
 * settings message octet for octet; the OMA push's WBXML and MAC.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeTcpPort, waitTcpPort } from '../ops/serve-process.ts';
import type { SmsPushSender } from '../../src/bearer/sms/sender.ts';
import { decodeUserDataHeader } from '../../src/bearer/sms/udh.ts';
import { SmsReassembler } from '../../src/bearer/sms/wdp.ts';
import { compileProvisioning } from '../../src/prov/index.ts';
import type { PushSubmitter } from '../../src/push/prov-delivery.ts';
import type { PushPduInput } from '../../src/push/push-pdu.ts';
import { createSmsboxListener, resolveSmsboxOptions, type SmsboxListener } from '../../src/smsbox/index.ts';
import { mountSendota, sendotaDepsFromConfig } from '../../src/smsbox/sendota.ts';
import { decodeConnectionless } from '../../src/wsp/pdu.ts';
import { MMS_XML } from '../prov/fixtures.ts';
import { tempDir, toolAvailable } from '../support/tools.ts';

const ready = toolAvailable('bearerbox') && toolAvailable('/usr/sbin/smsbox') && toolAvailable('/usr/lib/kannel/test/fakesmsc');

const NOKIA = '<CHARACTERISTIC-LIST><CHARACTERISTIC TYPE="ADDRESS"><PARM NAME="BEARER" VALUE="GPRS"/><PARM NAME="PROXY" VALUE="10.0.0.1"/><PARM NAME="PORT" VALUE="9201"/></CHARACTERISTIC><CHARACTERISTIC TYPE="URL" VALUE="http://wap.example.com/"/></CHARACTERISTIC-LIST>';

async function stop(p: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill(signal);
  const t = setTimeout(() => p.kill('SIGKILL'), 15_000);
  await gone;
  clearTimeout(t);
}

/** fakesmsc logs each message as `Got message N: <from to udh %..  data %..>`, URL-encoded ('+' a space). */
const octets = (s: string) => Buffer.from(s.replace(/\+/g, ' ').replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');

const procs: ChildProcess[] = [];
const fakesmscLog: string[] = [];
let kannel = '';
let ours = '';
let listener: SmsboxListener;
const submitted: PushPduInput[] = [];
const smsOut: Buffer[][] = [];

describe.skipIf(!ready)("sendota against Kannel's smsbox", () => {
  beforeAll(async () => {
    const dir = tempDir('wapgate-kannel-sendota-');
    const [admin, box, smsc, sendsms] = [await freeTcpPort(), await freeTcpPort(), await freeTcpPort(), await freeTcpPort()];
    kannel = `http://127.0.0.1:${sendsms}/cgi-bin/sendota`;
    writeFileSync(
      join(dir, 'kannel.conf'),
      [
        'group = core', `admin-port = ${admin}`, 'admin-interface = 127.0.0.1', 'admin-password = x', 'admin-allow-ip = "127.0.0.1"',
        `smsbox-port = ${box}`, 'smsbox-interface = 127.0.0.1', 'box-allow-ip = "127.0.0.1"', 'log-level = 2', 'dlr-storage = internal', '',
        'group = smsc', 'smsc = fake', 'smsc-id = fake', `port = ${smsc}`, 'connect-allow-ip = 127.0.0.1', '',
        'group = smsbox', 'bearerbox-host = 127.0.0.1', `bearerbox-port = ${box}`, `sendsms-port = ${sendsms}`, 'sendsms-interface = 127.0.0.1',
        'global-sender = 1234', 'log-level = 2', '',
        'group = sendsms-user', 'username = tester', 'password = foobar', 'max-messages = 10', 'concatenation = true', '',
        'group = ota-setting', 'ota-id = mms', 'location = http://wap.example.com/', 'service = Example', 'ipaddress = 10.0.0.1', '',
      ].join('\n'),
    );
    const run = (cmd: string, args: string[], log?: string[]) => {
      const p = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'ignore', log ? 'pipe' : 'ignore'] });
      if (log) p.stderr!.on('data', (d: Buffer) => log.push(...d.toString('latin1').split('\n')));
      procs.push(p);
      return p;
    };
    run('/usr/sbin/bearerbox', ['kannel.conf']);
    await waitTcpPort(box);
    await waitTcpPort(smsc);
    run('/usr/sbin/smsbox', ['kannel.conf']);
    await waitTcpPort(sendsms);
    run('/usr/lib/kannel/test/fakesmsc', ['-H', '127.0.0.1', '-r', String(smsc), '-i', '100000', '-m', '1', '1 2 text start'], fakesmscLog);
    await new Promise((r) => setTimeout(r, 500));

    listener = createSmsboxListener(resolveSmsboxOptions({ users: [{ username: 'tester', password: 'foobar', allowIps: [], denyIps: [] }], trustedIps: ['127.0.0.1'], globalSender: '1234' }));
    const ppg: PushSubmitter = { submit: (_m, content) => (submitted.push(content), { code: 1001, desc: 'ok' }) };
    const sms: SmsPushSender = { submitUserData: async (_to, blocks) => (smsOut.push([...blocks]), blocks.map((_, i) => `m${i}`)), onReceipt: () => {} };
    mountSendota(
      listener,
      sendotaDepsFromConfig(
        { sec: 'USERPIN', pin: '1234', pagePolicy: 'page0', maxSmsSegments: 10, maxIpOctets: 1400, settings: [{ id: 'mms', template: { apn: 'mms.example.com', mmsc: 'http://m.example.com/' } }] },
        { authenticate: listener.authenticate, ppg, sms, globalSender: '1234' },
      ),
    );
    ours = `http://127.0.0.1:${(await listener.listen(0, '127.0.0.1')).port}/cgi-bin/sendota`;
  }, 60_000);

  afterAll(async () => {
    await listener?.close();
    const [bb, sb, fs] = procs;
    if (sb) await stop(sb, 'SIGTERM');
    if (fs) await stop(fs, 'SIGTERM');
    if (bb) await stop(bb, 'SIGINT');
  }, 60_000);

  const Q = '?username=tester&password=foobar&to=15551234';
  const H = { 'x-kannel-username': 'tester', 'x-kannel-password': 'foobar', 'x-kannel-to': '15551234' };
  const CASES: [string, string, RequestInit?][] = [
    ['GET otaid', `${Q}&otaid=mms`],
    ['GET without otaid (the first setting)', Q],
    ['GET unknown otaid', `${Q}&otaid=nope`],
    ['GET wrong password', '?username=tester&password=x&to=15551234&otaid=mms'],
    ['GET without to', '?username=tester&password=foobar&otaid=mms'],
    ['GET text of broken XML', `${Q}&type=oma-settings&text=${encodeURIComponent('<wap-provisioningdoc><characteristic')}`],
    ['GET text with an unknown type', `${Q}&type=foo&text=${encodeURIComponent(NOKIA)}`],
    ['POST OMA XML', '', { method: 'POST', headers: { ...H, 'content-type': 'text/vnd.wap.connectivity-xml' }, body: MMS_XML }],
    ['POST Nokia settings', '', { method: 'POST', headers: { ...H, 'content-type': 'application/x-wap-prov.browser-settings' }, body: NOKIA }],
    ['POST wrong password', '', { method: 'POST', headers: { ...H, 'x-kannel-password': 'x', 'content-type': 'text/vnd.wap.connectivity-xml' }, body: MMS_XML }],
    ['POST without X-Kannel-To', '', { method: 'POST', headers: { 'x-kannel-username': 'tester', 'x-kannel-password': 'foobar', 'content-type': 'text/vnd.wap.connectivity-xml' }, body: MMS_XML }],
    ['POST text/plain', '', { method: 'POST', headers: { ...H, 'content-type': 'text/plain' }, body: MMS_XML }],
    ['POST broken XML', '', { method: 'POST', headers: { ...H, 'content-type': 'text/vnd.wap.connectivity-xml' }, body: '<wap-provisioningdoc><characteristic' }],
  ];
  for (const [name, query, init] of CASES) {
    it(`${name}: the same status and answer`, async () => {
      const k = await fetch(kannel + query, init);
      const o = await fetch(ours + query, init);
      const [kt, ot] = [(await k.text()).trim(), (await o.text()).trim()];
      expect(o.status).toBe(k.status);
      expect(ot.split('\n')[0]).toBe(kt);
    });
  }

  it("the Nokia settings message is Kannel's octet for octet; the OMA push carries Kannel's WBXML and MAC", async () => {
    const deadline = Date.now() + 10_000;
    const got = () => fakesmscLog.map((l) => /Got message \d+: <\S+ \S+ udh (\S+) data (\S+)>/.exec(l)).filter((m) => !!m);
    // Kannel: two ota-setting messages (the GETs), the OMA document in two concatenated messages (2948/2948),
    // then the POSTed Nokia settings (49999/49154)
    while (got().length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const msgs = got().map((m) => ({ udh: octets(m[1]!), data: octets(m[2]!) }));
    const nokiaK = msgs.filter((m) => m.udh.includes(Buffer.from([0xc3, 0x4f]))).at(-1)!;
    const nokiaOurs = smsOut.find((b) => decodeUserDataHeader(b[0]!).elements.some((e) => e.kind === 'ports' && e.dst === 49999))![0]!;
    expect(nokiaOurs.toString('hex')).toBe(Buffer.concat([nokiaK.udh, nokiaK.data]).toString('hex'));

    const re = new SmsReassembler();
    let whole;
    for (const m of msgs.filter((x) => x !== nokiaK && x.udh.includes(Buffer.from([0x0b, 0x84])))) {
      const d = decodeUserDataHeader(Buffer.concat([m.udh, m.data]));
      whole = re.push({ from: 'k', elements: d.elements, payload: d.payload }) ?? whole;
    }
    const { pdu } = decodeConnectionless(whole!.datagram);
    if (pdu.type !== 'Push' || !pdu.contentType) throw new Error('Kannel sent no push');
    const oma = submitted.filter((c) => c.contentType.startsWith('application/vnd.wap.connectivity-wbxml')).at(-1)!; // the POST
    expect(Buffer.from(pdu.data).toString('hex')).toBe(oma.body.toString('hex'));
    expect(oma.body.equals(compileProvisioning(MMS_XML).wbxml)).toBe(true);
    expect(pdu.contentType.params).toEqual([
      { name: 'sec', value: '1' },
      { name: 'mac', value: /mac=([0-9A-F]{40})/.exec(oma.contentType)![1] },
    ]);
  });
});
