/**
 * Provisioning end to end through the front doors: Kannel's /cgi-bin/sendota on the sendsms listener and
 * `wapgate provision`, delivered by the PPG — over the IP bearer to the handset simulator's push listener (and
 * `wapgate phone receive --pin`), and over SMS to an SMSC we did not write (Perl Net::SMPP,
 * test/interop/smsc-netsmpp.pl), whose submit_sm user data tshark reassembles.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeUserDataHeader } from '../../src/bearer/sms/udh.ts';
import { encodeSmsDeliver, smsAddress } from '../../src/bearer/sms/tpdu.ts';
import { SmsReassembler } from '../../src/bearer/sms/wdp.ts';
import { PushListener, type ProvisioningPush } from '../../src/handset/mms-receive.ts';
import { readProvisioningPush } from '../../src/prov/handset.ts';
import { decodeProvWbxml, secFromContentType, verifyProvisioning } from '../../src/prov/index.ts';
import { udpPushTransport } from '../../src/push/delivery.ts';
import { createPpg, type Ppg } from '../../src/push/ppg.ts';
import { createSmsboxListener, resolveSmsboxOptions } from '../../src/smsbox/index.ts';
import { mountSendota, sendotaDepsFromConfig, type ProvConfig } from '../../src/smsbox/sendota.ts';
import { exportedPduPcap } from '../../src/trace/pcap.ts';
import { decodeConnectionless } from '../../src/wsp/pdu.ts';
import { MMS_XML, MMS_YAML } from '../prov/fixtures.ts';
import { fieldValues, perlModuleAvailable, tempDir, toolAvailable, tshark } from '../support/tools.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const started: ChildProcess[] = [];
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  for (const p of started.splice(0)) if (p.exitCode === null) p.kill('SIGTERM');
});

const PROV: ProvConfig = {
  sec: 'USERPIN',
  pin: '1234',
  pagePolicy: 'page0',
  maxSmsSegments: 10,
  maxIpOctets: 1400,
  settings: [{ id: 'mms', template: { name: 'Example MMS', apn: 'mms.example.com', mmsc: 'http://mmsc.example.com/mms', proxy: { address: '10.0.0.1', port: 9201 } } }],
};

async function sendotaOn(ppg: Ppg, extra: { resolveMsisdn?: (m: string) => string | undefined } = {}) {
  const listener = createSmsboxListener(resolveSmsboxOptions({ users: [{ username: 'tester', password: 'foobar', allowIps: [], denyIps: [] }], trustedIps: ['127.0.0.1'] }));
  const sms = ppg.engine.deps.sms;
  mountSendota(listener, sendotaDepsFromConfig(PROV, { authenticate: listener.authenticate, ppg: ppg.engine, ...(sms ? { sms } : {}), ...extra, globalSender: '1234' }));
  const addr = await listener.listen(0, '127.0.0.1');
  closers.push(() => listener.close());
  return `http://127.0.0.1:${addr.port}/cgi-bin/sendota`;
}

const post = (url: string, to: string, body: string, type = 'text/vnd.wap.connectivity-xml', extra: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': type, 'x-kannel-username': 'tester', 'x-kannel-password': 'foobar', 'x-kannel-to': to, ...extra }, body });

const until = async (f: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('sendota and wapgate provision over the IP bearer', () => {
  it('a sendota POST for an MSISDN the subscriber map knows lands at the handset listener; the MAC verifies with the PIN', { timeout: 60_000 }, async () => {
    const handset = new PushListener({ address: '127.0.0.1', port: 0 });
    const bound = await handset.open();
    closers.push(() => handset.close());
    const pushes: ProvisioningPush[] = [];
    handset.on('provisioning', (p) => pushes.push(p));
    const transport = await udpPushTransport('127.0.0.1', 0, undefined);
    closers.push(() => transport.close());
    const resolveMsisdn = (m: string) => (m.replace(/^\+/, '') === '358401234567' ? '127.0.0.1' : undefined);
    const ppg = createPpg({ pushPort: bound.port }, { transport, resolveMsisdn });
    closers.push(() => ppg.close());
    const url = await sendotaOn(ppg, { resolveMsisdn });

    const r = await post(url, '+358401234567', MMS_XML, 'text/vnd.wap.connectivity-xml', { 'x-kannel-pin': '4321' });
    expect([r.status, await r.text()]).toEqual([202, '0: Accepted for delivery']);
    await until(() => pushes.length === 1);
    const got = readProvisioningPush(pushes[0]!.contentType, pushes[0]!.data, { pin: '4321' });
    expect(got).toMatchObject({ kind: 'oma', sec: 'USERPIN', verified: true, settings: { mms: { mmsc: 'http://mmsc.example.com/' } } });

    // GET with the otaid of a named setting (a template in the configuration)
    const g = await fetch(`${url}?username=tester&password=foobar&to=%2B358401234567&otaid=mms`);
    expect(g.status).toBe(202);
    await until(() => pushes.length === 2);
    expect(readProvisioningPush(pushes[1]!.contentType, pushes[1]!.data, { pin: '1234' })).toMatchObject({
      verified: true,
      settings: { accessPoints: [{ apn: 'mms.example.com' }], mms: { mmsc: 'http://mmsc.example.com/mms', proxy: '10.0.0.1' } },
    });
  });

  it('`wapgate provision --ppg` to `wapgate phone receive --pin`: the handset prints the verified settings', { timeout: 90_000 }, async () => {
    const dir = tempDir('prov-cli-');
    const yaml = join(dir, 'mms.yaml');
    writeFileSync(yaml, MMS_YAML);
    const phone = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'phone', 'receive', '--push-port', '0', '--out', dir, '--pin', '2468', '--count', '1', '--timeout', '60'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(phone);
    const port = await new Promise<number>((resolve, reject) => {
      const rl = createInterface({ input: phone.stderr! });
      rl.on('line', (l) => {
        const m = /listening for WAP Push on [\d.]+:(\d+)/.exec(l);
        if (m) resolve(Number(m[1]));
      });
      phone.once('exit', (c) => reject(new Error(`phone receive exited ${c}`)));
    });
    const lines: string[] = [];
    createInterface({ input: phone.stdout! }).on('line', (l) => lines.push(l));
    const phoneExit = new Promise<number | null>((r) => phone.once('exit', (c) => r(c)));

    const transport = await udpPushTransport('127.0.0.1', 0, undefined);
    closers.push(() => transport.close());
    const ppg = createPpg({ pushPort: port }, { transport });
    closers.push(() => ppg.close());
    const addr = await ppg.listen(0, '127.0.0.1');
    const cli = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'provision', '--to', '127.0.0.1', '--settings', yaml, '--pin', '2468', '--ppg', `http://127.0.0.1:${addr.port}/wappush`], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(cli);
    let out = '';
    cli.stdout!.on('data', (d) => (out += d));
    const cliExit = await new Promise<number | null>((r) => cli.once('exit', (c) => r(c)));
    expect(cliExit, out).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ kind: 'oma', ok: true, papCode: 1001 });
    expect(await phoneExit).toBe(0);
    const shown = JSON.parse(lines.find((l) => l.includes('"provisioning"'))!);
    expect(shown).toMatchObject({ type: 'provisioning', kind: 'oma', sec: 'USERPIN', verified: true, settings: { accessPoints: [{ apn: 'mms.example.com' }] } });
  });
});

const smppReady = perlModuleAvailable('Net::SMPP');

async function startSmsc(): Promise<{ port: number; events: Record<string, any>[] }> {
  const proc = spawn('perl', [join(import.meta.dirname, 'smsc-netsmpp.pl'), 'wapgate', 'secret'], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(proc);
  const events: Record<string, any>[] = [];
  const rl = createInterface({ input: proc.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('SMSC did not start')), 10_000);
    rl.on('line', (line) => {
      const m = /^PORT (\d+)$/.exec(line);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      } else if (line.startsWith('{')) events.push(JSON.parse(line));
    });
    proc.once('exit', (c) => reject(new Error(`SMSC exited ${c}`)));
  });
  return { port, events };
}

describe.skipIf(!smppReady || !toolAvailable('tshark'))('sendota over SMS to Net::SMPP', () => {
  it('OMA through the PPG (segmented, concatenated, 2948) and Nokia OTA settings on 49999/49154 reach the SMSC; tshark reassembles the OMA push', { timeout: 120_000 }, async () => {
    const smsc = await startSmsc();
    const ppg = createPpg({
      smpp: { enabled: true, host: '127.0.0.1', port: smsc.port, systemId: 'wapgate', password: 'secret', sourceAddr: '9200', throttle: 50, deliveryReceipts: false },
      queue: { retryInterval: 200 },
    });
    closers.push(() => ppg.close());
    const url = await sendotaOn(ppg);

    const r = await post(url, '+15551234', MMS_XML, 'text/vnd.wap.connectivity-xml', { 'x-kannel-sec': 'USERPIN', 'x-kannel-pin': '1234' });
    expect([r.status, await r.text()]).toEqual([202, '0: Accepted for delivery']);
    const subs = () => smsc.events.filter((e) => e.event === 'submit_sm');
    await until(() => subs().length >= 3);
    const uds = subs().map((s) => Buffer.from(s.short_message, 'hex'));
    for (const s of subs()) expect(s).toMatchObject({ destination_addr: '15551234', esm_class: 0x40, data_coding: 0x04 });
    const re = new SmsReassembler();
    let whole;
    for (const ud of uds) {
      const d = decodeUserDataHeader(ud);
      whole = re.push({ from: '+15551234', elements: d.elements, payload: d.payload }) ?? whole;
    }
    expect(whole!.dstPort).toBe(2948);
    const { pdu } = decodeConnectionless(whole!.datagram);
    if (pdu.type !== 'Push' || !pdu.contentType) throw new Error('not a push');
    const data = Buffer.from(pdu.data);
    const { sec, mac } = secFromContentType(`${pdu.contentType.type}; ${pdu.contentType.params.map((p) => `${p.name}=${p.value}`).join('; ')}`);
    expect(verifyProvisioning(data, sec!, mac, { pin: '1234' })).toBe(true);
    expect(decodeProvWbxml(data).xml).toContain('mms.example.com');
    const t = tshark(exportedPduPcap(uds.map((ud) => encodeSmsDeliver({ originator: smsAddress('+15559200'), userData: ud, udhi: true })), 'gsm_sms'));
    expect(t.problems).toEqual([]);
    const last = t.packets[t.packets.length - 1]!;
    expect(fieldValues(last, 'wsp.parameter.sec')).toEqual(['0x01']);
    expect(fieldValues(last, 'wsp.parameter.mac')).toEqual([mac]);

    // Nokia/Ericsson OTA settings: straight to the SMSC on the OTA ports, the WSP bytes Kannel's sendota writes
    const before = subs().length;
    const nokia = '<CHARACTERISTIC-LIST><CHARACTERISTIC TYPE="ADDRESS"><PARM NAME="BEARER" VALUE="GPRS"/><PARM NAME="PROXY" VALUE="10.0.0.1"/><PARM NAME="PORT" VALUE="9201"/><PARM NAME="GPRS_ACCESSPOINTNAME" VALUE="wap.example.com"/></CHARACTERISTIC><CHARACTERISTIC TYPE="URL" VALUE="http://wap.example.com/"/></CHARACTERISTIC-LIST>';
    const n = await post(url, '+15551234', nokia, 'application/x-wap-prov.browser-settings');
    expect(n.status).toBe(202);
    await until(() => subs().length === before + 1);
    const ud = Buffer.from(subs()[before]!.short_message, 'hex');
    const d = decodeUserDataHeader(ud);
    expect(d.elements.find((e) => e.kind === 'ports')).toMatchObject({ dst: 49999, src: 49154 });
    expect(d.payload.subarray(0, 5).toString('hex')).toBe('01062c1f2a');
    expect(d.payload.subarray(5, 5 + 40).toString('latin1')).toBe('application/x-wap-prov.browser-settings\0');
  });
});
