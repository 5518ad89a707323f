/**
 * Kannel 1.4.5's own smsbox is the reference for /cgi-bin/sendsms: bearerbox + smsbox + fakesmsc run on loopback
 * (ephemeral ports, a temp dir, started and stopped by PID here — never the shared peer harness's 13000/13002/
 * 18080 or 127.0.0.2:9200/9201), and the same requests, good and bad, go to Kannel and to wapgate's smsbox.
 * Status codes and answer texts must be the same, except for the deviations listed (each asserted on both sides,
 * so a change in either shows). The dlr-url escapes are compared on a real delivery report from each.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as httpServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeTcpPort, waitTcpPort } from '../ops/serve-process.ts';
import type { SmsPushSender, SmsReceipt } from '../../src/bearer/sms/sender.ts';
import { createSmsbox, type Smsbox } from '../../src/smsbox/index.ts';
import { tempDir, toolAvailable } from '../support/tools.ts';

const ready = toolAvailable('bearerbox') && toolAvailable('/usr/sbin/smsbox') && toolAvailable('/usr/lib/kannel/test/fakesmsc');

function http(port: number, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('latin1') }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** An SMSC that accepts everything and confirms delivery at once (as fakesmsc does for Kannel). */
class AckingSmsc implements SmsPushSender {
  private fns: ((r: SmsReceipt) => void)[] = [];
  private n = 0;
  async submitUserData(_to: string, blocks: readonly Buffer[]) {
    const ids = blocks.map(() => `f${++this.n}`);
    setTimeout(() => ids.forEach((id) => this.fns.forEach((f) => f({ messageId: id, state: 'delivered' }))), 20);
    return ids;
  }
  onReceipt(fn: (r: SmsReceipt) => void) {
    this.fns.push(fn);
  }
}

const procs: ChildProcess[] = [];
let kannelPort = 0;
let ours: Smsbox;
let oursPort = 0;
let dlr: Server;
let dlrPort = 0;
const dlrCalls: string[] = [];

async function stop(p: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill(signal);
  const t = setTimeout(() => p.kill('SIGKILL'), 15_000);
  await gone;
  clearTimeout(t);
}

describe.skipIf(!ready)("sendsms answers against Kannel's smsbox", () => {
  beforeAll(async () => {
    const dir = tempDir('wapgate-kannel-sendsms-');
    const [admin, box, smsc, sendsms] = [await freeTcpPort(), await freeTcpPort(), await freeTcpPort(), await freeTcpPort()];
    kannelPort = sendsms;
    writeFileSync(
      join(dir, 'kannel.conf'),
      [
        'group = core',
        `admin-port = ${admin}`,
        'admin-interface = 127.0.0.1',
        'admin-password = x',
        'admin-allow-ip = "127.0.0.1"',
        `smsbox-port = ${box}`,
        'smsbox-interface = 127.0.0.1',
        'box-allow-ip = "127.0.0.1"',
        'log-level = 2',
        'dlr-storage = internal',
        '',
        'group = smsc',
        'smsc = fake',
        'smsc-id = fake',
        `port = ${smsc}`,
        'connect-allow-ip = 127.0.0.1',
        '',
        'group = smsbox',
        'bearerbox-host = 127.0.0.1',
        `bearerbox-port = ${box}`,
        `sendsms-port = ${sendsms}`,
        'sendsms-interface = 127.0.0.1',
        'global-sender = 1234',
        'log-level = 2',
        '',
        'group = sendsms-user',
        'username = mmsc',
        'password = secret',
        'max-messages = 10',
        'concatenation = true',
        '',
        // Kannel applies user-allow-ip only together with a user-deny-ip; wapgate's allowIps alone restricts.
        'group = sendsms-user',
        'username = far',
        'password = secret',
        'user-allow-ip = "10.0.0.1"',
        'user-deny-ip = "*.*.*.*"',
        '',
      ].join('\n'),
    );
    const run = (cmd: string, args: string[]) => {
      const p = spawn(cmd, args, { cwd: dir, stdio: 'ignore' });
      procs.push(p);
      return p;
    };
    run('/usr/sbin/bearerbox', ['kannel.conf']);
    await waitTcpPort(box);
    await waitTcpPort(smsc);
    run('/usr/sbin/smsbox', ['kannel.conf']);
    await waitTcpPort(sendsms);
    run('/usr/lib/kannel/test/fakesmsc', ['-H', '127.0.0.1', '-r', String(smsc), '-i', '100000', '-m', '1', '1 2 text start']);
    await new Promise((r) => setTimeout(r, 500));

    ours = createSmsbox(
      {
        globalSender: '1234',
        users: [
          { username: 'mmsc', password: 'secret', allowIps: [], denyIps: [], maxMessages: 10 },
          { username: 'far', password: 'secret', allowIps: ['10.0.0.1'], denyIps: [] },
        ],
      },
      { sms: new AckingSmsc(), wdp: { sendDatagram: async () => {} }, resolveMsisdn: () => undefined },
    );
    oursPort = (await ours.listen(0, '127.0.0.1')).port;
    dlr = httpServer((req, res) => {
      dlrCalls.push(req.url!);
      res.end('ok');
    });
    await new Promise<void>((r) => dlr.listen(0, '127.0.0.1', r));
    dlrPort = (dlr.address() as AddressInfo).port;
  }, 60_000);

  afterAll(async () => {
    await ours?.close();
    dlr?.close();
    // smsbox first (it unbinds from bearerbox), then fakesmsc, then bearerbox (SIGINT = orderly shutdown).
    const [bb, sb, fs] = procs;
    if (sb) await stop(sb, 'SIGTERM');
    if (fs) await stop(fs, 'SIGTERM');
    if (bb) await stop(bb, 'SIGINT');
  }, 60_000);

  const Q = '/cgi-bin/sendsms?username=mmsc&password=secret';
  const SAME: [string, string, { method?: string; headers?: Record<string, string>; body?: string }?][] = [
    ['good text', `${Q}&to=123&text=hello`],
    ['good WAP Push', `${Q}&to=%2B15551230001&udh=%06%05%04%0B%84%23%F0&text=%01%06%06%03%BE%81%EA%8D%CA%00`],
    ['two receivers', `${Q}&to=123+456&text=two`],
    ['user/pass aliases', '/cgi-bin/sendsms?user=mmsc&pass=secret&to=123&text=x'],
    ['UCS-2', `${Q}&to=123&coding=2&charset=UTF-8&text=%C3%A9`],
    ['binary with a non-port UDH', `${Q}&to=123&udh=%05%00%03%01%02%01&text=%01`],
    ['wrong password', '/cgi-bin/sendsms?username=mmsc&password=bad&to=1&text=x'],
    ['unknown user', '/cgi-bin/sendsms?username=nobody&password=secret&to=1&text=x'],
    ['no credentials', '/cgi-bin/sendsms?to=1&text=x'],
    ['user from a refused address', '/cgi-bin/sendsms?username=far&password=secret&to=1&text=x'],
    ['missing to', `${Q}&text=x`],
    ['empty to', `${Q}&to=&text=x`],
    ['to not a number', `${Q}&to=abc&text=x`],
    ['UDHL longer than the UDH', `${Q}&to=1&udh=%09%05%04%0B%84%23%F0&text=x`],
    ['UDH cut short', `${Q}&to=1&udh=%06%05&text=x`],
    ['coding out of range', `${Q}&to=1&coding=5&text=x`],
    ['mclass out of range', `${Q}&to=1&mclass=7&text=x`],
    ['mwi out of range', `${Q}&to=1&mwi=9&text=x`],
    ['priority out of range', `${Q}&to=1&priority=9&text=x`],
    ['dlr-mask out of range', `${Q}&to=1&dlr-mask=300&text=x`],
    ['validity negative', `${Q}&to=1&validity=-5&text=x`],
    ['unknown charset', `${Q}&to=1&charset=nonsense&text=x`],
    ['unknown path', '/cgi-bin/nothing'],
    ['POST text/plain with X-Kannel headers', '/cgi-bin/sendsms', { method: 'POST', headers: { 'x-kannel-username': 'mmsc', 'x-kannel-password': 'secret', 'x-kannel-to': '123', 'content-type': 'text/plain' }, body: 'posted' }],
    ['POST wrong password', '/cgi-bin/sendsms', { method: 'POST', headers: { 'x-kannel-username': 'mmsc', 'x-kannel-password': 'bad', 'x-kannel-to': '123', 'content-type': 'text/plain' }, body: 'x' }],
    ['POST WAP Push, X-Kannel-UDH in hex, octet-stream body', '/cgi-bin/sendsms', { method: 'POST', headers: { 'x-kannel-username': 'mmsc', 'x-kannel-password': 'secret', 'x-kannel-to': '+15551230001', 'x-kannel-udh': '0605040B8423F0', 'content-type': 'application/octet-stream' }, body: '\x01\x06\x01\xbe' }],
    ['POST form-encoded', '/cgi-bin/sendsms', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=mmsc&password=secret&to=123&text=form' }],
    ['POST text/html', '/cgi-bin/sendsms', { method: 'POST', headers: { 'x-kannel-username': 'mmsc', 'x-kannel-password': 'secret', 'x-kannel-to': '123', 'content-type': 'text/html' }, body: 'x' }],
    ['POST bad X-Kannel-Coding', '/cgi-bin/sendsms', { method: 'POST', headers: { 'x-kannel-username': 'mmsc', 'x-kannel-password': 'secret', 'x-kannel-to': '123', 'x-kannel-coding': '7', 'content-type': 'text/plain' }, body: 'x' }],
    ['POST without X-Kannel-To', '/cgi-bin/sendsms', { method: 'POST', headers: { 'x-kannel-username': 'mmsc', 'x-kannel-password': 'secret', 'content-type': 'text/plain' }, body: 'x' }],
  ];

  it.each(SAME)('%s: same status and text', async (_name, path, init) => {
    const k = await http(kannelPort, path, init);
    const w = await http(oursPort, path, init);
    expect(w).toEqual(k);
  });

  // Deliberate differences: Kannel truncates a text beyond max-messages and accepts a UDH whose element
  // lengths lie (it checks UDHL only); wapgate refuses both with a clear 400 rather than send a cut or
  // malformed message (a cut WAP Push is garbage to the handset).
  const DIFFERENT: [string, string, { kannel: number; ours: RegExp }][] = [
    ['text beyond max-messages', `${Q}&to=1&text=${'a'.repeat(1700)}`, { kannel: 202, ours: /^Message too long: 12 short messages needed, at most 10 allowed, rejected$/ }],
    ['UDH element length lies', `${Q}&to=1&udh=%03%05%04%0B&text=x`, { kannel: 202, ours: /^UDH field misformed, rejected$/ }],
  ];
  it.each(DIFFERENT)('%s: the known deviation', async (_name, path, want) => {
    expect((await http(kannelPort, path)).status).toBe(want.kannel);
    const w = await http(oursPort, path);
    expect(w.status).toBe(400);
    expect(w.body).toMatch(want.ours);
  });

  it('dlr-url escapes expand the same way (types 8 then 1; %p is the receiver, %P the sender, as Kannel swaps them)', async () => {
    const tpl = (who: string) =>
      encodeURIComponent(`http://127.0.0.1:${dlrPort}/${who}?d=%d&A=%A&p=%p&P=%P&q=%q&Q=%Q&t=%t&T=%T&n=%n&C=%C&B=%B&pc=%%&x=%x`);
    const q = (who: string) => `${Q}&from=0049123&to=00123&text=hi&binfo=bi&dlr-mask=9&dlr-url=${tpl(who)}`;
    expect((await http(kannelPort, q('kannel'))).status).toBe(202);
    expect((await http(oursPort, q('ours'))).status).toBe(202);
    const end = Date.now() + 15_000;
    const of = (who: string) => dlrCalls.filter((c) => c.startsWith(`/${who}?`));
    while ((of('kannel').length < 2 || of('ours').length < 2) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    const norm = (u: string) =>
      u
        .replace(/^\/\w+\?/, '?')
        .replace(/t=\d{4}-\d\d-\d\d\+\d\d:\d\d:\d\d/, 't=TIME')
        .replace(/T=\d{10}/, 'T=EPOCH');
    const k = of('kannel').map(norm).sort();
    const w = of('ours').map(norm).sort();
    expect(k).toHaveLength(2);
    // A receipt's %A (its text) and %B (its err field) depend on the SMSC (fakesmsc sends neither, an SMPP
    // SMSC both); the rest is equal, and the type 8 report is equal to the octet.
    const noA = (u: string) => u.replace(/&A=[^&]*/, '&A=').replace(/&B=[^&]*/, '&B=');
    expect(w.map(noA)).toEqual(k.map(noA));
    expect(w.find((u) => u.startsWith('?d=8'))).toBe(k.find((u) => u.startsWith('?d=8')));
  }, 30_000);
});
