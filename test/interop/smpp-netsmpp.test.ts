/**
 * WAP Push over SMS against an SMSC we did not write: Perl Net::SMPP (Debian libnet-smpp-perl) listening on
 * loopback (test/interop/smsc-netsmpp.pl). The submit_sm PDUs it decodes are wrapped as SMS-DELIVERs and
 * handed to tshark's GSM SMS dissector, whose reassembly must yield the same WSP Push.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SmppClient } from '../../src/bearer/sms/smpp-client.ts';
import { decodeUserDataHeader } from '../../src/bearer/sms/udh.ts';
import { encodeSmsDeliver, smsAddress } from '../../src/bearer/sms/tpdu.ts';
import { SmsReassembler, segmentWdp } from '../../src/bearer/sms/wdp.ts';
import type { SmsReceipt } from '../../src/bearer/sms/sender.ts';
import { createPpg } from '../../src/push/ppg.ts';
import { exportedPduPcap } from '../../src/trace/pcap.ts';
import { SHARED_DIR, fieldValues, perlModuleAvailable, sharedAvailable, toolAvailable, tshark } from '../support/tools.ts';

const SCRIPT = join(import.meta.dirname, 'smsc-netsmpp.pl');
const ready = perlModuleAvailable('Net::SMPP');

interface Smsc {
  port: number;
  events: Record<string, any>[];
  proc: ChildProcess;
}

const started: ChildProcess[] = [];
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  for (const p of started.splice(0)) if (p.exitCode === null) p.kill('SIGTERM');
});

async function startSmsc(args: string[] = ['wapgate', 'secret']): Promise<Smsc> {
  const proc = spawn('perl', [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  return { port, events, proc };
}

const until = async (f: () => boolean, ms = 8000) => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

function client(port: number, extra: Partial<ConstructorParameters<typeof SmppClient>[0]> = {}): SmppClient {
  const c = new SmppClient({ host: '127.0.0.1', port, systemId: 'wapgate', password: 'secret', sourceAddr: '9200', throttle: 50, reconnectDelay: 200, responseTimeout: 3000, ...extra });
  closers.push(() => c.close());
  c.start();
  return c;
}

describe.skipIf(!ready || !toolAvailable('tshark') || !sharedAvailable())('SMPP 3.4 submit_sm to Net::SMPP; tshark reassembles the WSP Push', () => {
  it('a real SI push (176 octets) → 2 submit_sm with UDHI and 8-bit DCS → tshark GSM SMS reassembly → the same WSP Push', { timeout: 180_000 }, async () => {
    const smsc = await startSmsc();
    const c = client(smsc.port);
    await c.waitBound();
    const receipts: SmsReceipt[] = [];
    c.onReceipt((r) => receipts.push(r));
    const wsp = readFileSync(join(SHARED_DIR, 'captures/wap-push/python-messaging_vodafone-de-si_reassembled.wsp'));
    const ids = await c.submitUserData('+15551234', segmentWdp(wsp, { ref: 0x21 }), { receipt: true, priority: 1 });
    expect(ids).toEqual(['m1', 'm2']);
    await until(() => receipts.length === 2);
    expect(receipts).toEqual([
      { messageId: 'm1', state: 'delivered' },
      { messageId: 'm2', state: 'delivered' },
    ]);
    await until(() => smsc.events.filter((e) => e.event === 'submit_sm').length === 2);
    const subs = smsc.events.filter((e) => e.event === 'submit_sm');
    for (const s of subs) {
      expect(s).toMatchObject({ destination_addr: '15551234', dest_addr_ton: 1, dest_addr_npi: 1, esm_class: 0x40, data_coding: 0x04, registered_delivery: 1 });
    }
    const uds = subs.map((s) => Buffer.from(s.short_message, 'hex'));
    const r = new SmsReassembler();
    let got;
    for (const ud of uds) {
      const d = decodeUserDataHeader(ud);
      got = r.push({ from: '+15551234', elements: d.elements, payload: d.payload }) ?? got;
    }
    expect(got!.datagram.equals(wsp)).toBe(true);
    const ours = tshark(exportedPduPcap(uds.map((ud) => encodeSmsDeliver({ originator: smsAddress('+15559200'), userData: ud, udhi: true })), 'gsm_sms'));
    expect(ours.problems).toEqual([]);
    const ref = tshark(exportedPduPcap([wsp], 'wsp-cl'));
    const last = ours.packets[ours.packets.length - 1]!;
    expect(fieldValues(last, 'gsm_sms.destination_port')).toContain('2948');
    expect(fieldValues(last, 'gsm_sms.originator_port')).toContain('9200');
    for (const f of ['wsp.pdu_type', 'wsp.header.content_type', 'wbxml.public_id.known', 'wbxml.version']) {
      expect(fieldValues(last, f), f).toEqual(fieldValues(ref.packets[0]!, f));
    }
    expect(fieldValues(last, 'wsp.pdu_type')).toEqual(['0x06']);
  });

  it('the PPG end to end: PAP push to a PLMN address → SMS through Net::SMPP → receipts → result notifications', { timeout: 180_000 }, async () => {
    const smsc = await startSmsc();
    // The PPG binds its own SMPP client from its options; pushes that arrive before the bind are retried.
    const ppg = createPpg({
      smpp: { enabled: true, host: '127.0.0.1', port: smsc.port, systemId: 'wapgate', password: 'secret', sourceAddr: '9200', throttle: 50, deliveryReceipts: true },
      queue: { retryInterval: 200 },
    });
    closers.push(() => ppg.close());
    const results: { address: string; state: string }[] = [];
    ppg.engine.on('result', (e) => results.push({ address: e.address, state: e.state }));
    const addr = await ppg.listen(0, '127.0.0.1');
    const mms = readFileSync(join(SHARED_DIR, 'captures/mms/mmsd_ni-mms-1-3-con-271.mms'));
    const control = `<?xml version="1.0"?><!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd"><pap><push-message push-id="sms-1">
      <address address-value="WAPPUSH=+15551234/TYPE=PLMN@ppg"/><address address-value="WAPPUSH=+15550666/TYPE=PLMN@ppg"/>
      <quality-of-service bearer-required="true" bearer="SMS"/></push-message></pap>`;
    const body = Buffer.concat([
      Buffer.from(`--b\r\nContent-Type: application/xml\r\n\r\n${control}\r\n--b\r\nContent-Type: application/vnd.wap.mms-message\r\nX-Wap-Application-Id: x-wap-application:mms.ua\r\n\r\n`),
      mms,
      Buffer.from('\r\n--b--\r\n'),
    ]);
    const res = await fetch(`http://127.0.0.1:${addr.port}/wappush`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'multipart/related; boundary=b; type="application/xml"' } });
    expect(res.status).toBe(202);
    expect(await res.text()).toContain('code="1001"');
    await until(() => results.length === 2).catch((e) => {
      throw new Error(`${e.message}: results ${JSON.stringify(results)} smsc ${JSON.stringify(smsc.events)}`);
    });
    expect(results.sort((a, b) => a.address.localeCompare(b.address))).toEqual([
      { address: 'WAPPUSH=+15550666/TYPE=PLMN@ppg', state: 'undeliverable' },
      { address: 'WAPPUSH=+15551234/TYPE=PLMN@ppg', state: 'delivered' },
    ]);
    await until(() => smsc.events.some((e) => e.event === 'submit_sm' && e.destination_addr === '15551234'));
    const sub = smsc.events.find((e) => e.event === 'submit_sm' && e.destination_addr === '15551234')!;
    const ud = Buffer.from(sub.short_message, 'hex');
    const t = tshark(exportedPduPcap([encodeSmsDeliver({ originator: smsAddress('+15559200'), userData: ud, udhi: true })], 'gsm_sms'));
    expect(t.problems).toEqual([]);
    expect(fieldValues(t.packets[0]!, 'mmse.message_type')).toEqual(['0x82']);
    expect(fieldValues(t.packets[0]!, 'wsp.header.x_wap_application_id')[0]).toMatch(/mms\.ua/);
  });

  it('wrong bind credentials are refused; a dropped link is re-bound and submits continue', async () => {
    const smsc = await startSmsc(['wapgate', 'secret', '1']);
    const bad = client(smsc.port, { password: 'wrong' });
    await until(() => smsc.events.some((e) => e.event === 'bind' && e.ok === false));
    expect(bad.bound).toBe(false);
    await bad.close();
    const c = client(smsc.port);
    await c.waitBound();
    let unbound = 0;
    c.on('unbound', () => unbound++);
    await c.submitUserData('+15551234', segmentWdp(Buffer.from('0106', 'hex'), { ref: 1 }), { receipt: false, priority: 0 });
    await until(() => unbound === 1);
    await c.waitBound(5000);
    const ids = await c.submitUserData('+15551234', segmentWdp(Buffer.from('0206', 'hex'), { ref: 2 }), { receipt: false, priority: 0 });
    expect(ids).toHaveLength(1);
    // The SMSC prints each submit_sm on its stdout before it answers on the socket, but the two pipes are read
    // independently: the answer can overtake the line.
    await until(() => smsc.events.filter((e) => e.event === 'submit_sm').length >= 2);
    expect(smsc.events.filter((e) => e.event === 'submit_sm')).toHaveLength(2);
  });

  it('throttle: submit_sm spaced to the configured rate', async () => {
    const smsc = await startSmsc();
    const c = client(smsc.port, { throttle: 10 });
    await c.waitBound();
    const t0 = Date.now();
    const ids = await c.submitUserData('+15551234', segmentWdp(Buffer.alloc(500, 1), { ref: 3 }), { receipt: false, priority: 0 });
    expect(ids).toHaveLength(4);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
  });
});
