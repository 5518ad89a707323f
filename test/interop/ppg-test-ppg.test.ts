/**
 * Kannel's test_ppg (a real push initiator, Debian kannel-extras) pushes an SI and an MMS notification to
 * wapgate's PAP endpoint; a UDP listener on 127.0.0.1:2948 (the handset) receives the WSP Push and tshark
 * dissects it (WSP Push → WBXML SI / MMSE) with no Malformed packet and no expert warning.
 */
import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { udpPushTransport } from '../../src/push/delivery.ts';
import { createPpg, type Ppg } from '../../src/push/ppg.ts';
import { udpPcap } from '../../src/trace/pcap.ts';
import { decodeConnectionless } from '../../src/wsp/pdu.ts';
import { SHARED_DIR, TOOL_PATHS, fieldValues, sharedAvailable, tempDir, toolAvailable, tshark } from '../support/tools.ts';

const run = promisify(execFile);
const ready = toolAvailable('test_ppg') && toolAvailable('tshark') && sharedAvailable();

function control(pushId: string): string {
  return `<?xml version="1.0"?>
<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP//EN" "http://www.wapforum.org/DTD/pap_1.0.dtd">
<pap>
  <push-message push-id="${pushId}" progress-notes-requested="false">
    <address address-value="WAPPUSH=127.0.0.1/TYPE=IPv4@ppg.wapgate.test"/>
    <quality-of-service priority="low" delivery-method="unconfirmed" bearer-required="false" network-required="false"/>
  </push-message>
</pap>
`;
}

describe.skipIf(!ready)("Kannel's test_ppg → wapgate PPG → WSP Push on 127.0.0.1:2948 → tshark", () => {
  let ppg: Ppg;
  let handset: Socket;
  let handsetPort = 2948;
  let papPort = 0;
  let transport: Awaited<ReturnType<typeof udpPushTransport>>;
  const received: Buffer[] = [];
  const dir = tempDir('wapgate-test-ppg-');

  beforeAll(async () => {
    handset = createSocket('udp4');
    handset.on('message', (m) => received.push(m));
    // The handset's push port, as the brief asks; if another test holds it, an ephemeral port stands in.
    handsetPort = await new Promise<number>((resolve) => {
      handset.once('error', () => {
        handset = createSocket('udp4');
        handset.on('message', (m) => received.push(m));
        handset.bind(0, '127.0.0.1', () => resolve((handset.address() as AddressInfo).port));
      });
      handset.bind(2948, '127.0.0.1', () => resolve(2948));
    });
    transport = await udpPushTransport('127.0.0.1');
    ppg = createPpg({ credentials: [{ username: 'peer', password: 'peer' }], pushPort: handsetPort }, { transport });
    papPort = (await ppg.listen(0, '127.0.0.1')).port;
  });
  afterAll(async () => {
    await ppg?.close();
    transport?.close();
    handset?.close();
  });

  async function testPpg(args: string[], contentFile: string, controlFile: string): Promise<string> {
    const url = `http://127.0.0.1:${papPort}/wappush?username=peer&password=peer`;
    const { stderr, stdout } = await run('timeout', ['20', TOOL_PATHS.test_ppg!, ...args, url, contentFile, controlFile], { maxBuffer: 16 * 1024 * 1024 });
    return stdout + stderr;
  }

  function replyOf(log: string): { type: string; code: string } {
    // test_ppg logs the PAP reply body as an octet dump, then "TEST_PPG: and type <type>".
    const text = log
      .split('\n')
      .filter((l) => l.includes('  data: '))
      .map((l) => l.replace(/^.*  data: ((?:[0-9a-f]{2} )+).*$/, '$1').replace(/ /g, ''))
      .join('');
    const body = Buffer.from(text, 'hex').toString('latin1');
    return { type: /TEST_PPG: and type (.+)/.exec(log)?.[1]?.trim() ?? '', code: /response-result code\s*="(\d+)"/.exec(body)?.[1] ?? '' };
  }

  async function waitPush(n: number): Promise<Buffer> {
    const end = Date.now() + 5000;
    while (received.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(received.length).toBe(n);
    return received[n - 1]!;
  }

  function dissect(push: Buffer) {
    const t = tshark(udpPcap([{ src: '127.0.0.1', srcPort: 9200, dst: '127.0.0.1', dstPort: 2948, payload: push }]));
    expect(t.problems).toEqual([]);
    return Object.assign(t.packets[0]!, { text: t.text });
  }

  it('SI: success push-response (1001), WSP Push with the SI compiled to WBXML (application/vnd.wap.sic) on 2948', { timeout: 180_000 }, async () => {
    const si = join(dir, 'si.xml');
    writeFileSync(si, readFileSync(join(SHARED_DIR, 'peers/kannel/ppg/si.xml')));
    const ctl = join(dir, 'si-control.xml');
    writeFileSync(ctl, control('si-1@wapgate.test'));
    const log = await testPpg(['-c', 'si'], si, ctl);
    expect(log).toMatch(/1 succeeded, 0 failed/);
    expect(replyOf(log)).toEqual({ type: 'push response', code: '1001' });
    const pkt = dissect(await waitPush(1));
    expect(fieldValues(pkt, 'wsp.pdu_type')).toEqual(['0x06']);
    expect(fieldValues(pkt, 'wsp.header.content_type')[0]).toMatch(/application\/vnd\.wap\.sic/);
    expect(pkt.text).toMatch(/Public ID: "-\/\/WAPFORUM\/\/DTD SI 1\.0\/\/EN/);
    expect(fieldValues(pkt, 'wbxml.public_id.known')).toEqual(['0x00000005']);
    expect(pkt.text).toContain("'127.0.0.1:8040/mms'");
    expect(pkt.text).toContain("action='signal-high'");
    expect(pkt.text).toContain("'You have a new message'");
  });

  it('MMS notification (binary, -c mms -a mms -B): success push-response, WSP Push → MMSE m-notification-ind', { timeout: 180_000 }, async () => {
    const mms = readFileSync(join(SHARED_DIR, 'captures/mms/mmsd_ni-mms-1-3-con-271.mms'));
    const hex = join(dir, 'mms.hex');
    writeFileSync(hex, mms.toString('hex'));
    const ctl = join(dir, 'mms-control.xml');
    writeFileSync(ctl, control('mms-1@wapgate.test'));
    const log = await testPpg(['-c', 'mms', '-a', 'mms', '-B'], hex, ctl);
    expect(log).toMatch(/1 succeeded, 0 failed/);
    expect(replyOf(log)).toEqual({ type: 'push response', code: '1001' });
    const push = await waitPush(2);
    const pkt = dissect(push);
    expect(fieldValues(pkt, 'wsp.pdu_type')).toEqual(['0x06']);
    expect(fieldValues(pkt, 'wsp.header.content_type')[0]).toMatch(/application\/vnd\.wap\.mms-message/);
    expect(fieldValues(pkt, 'wsp.header.x_wap_application_id')[0]).toMatch(/mms\.ua/);
    expect(fieldValues(pkt, 'mmse.message_type')).toEqual(['0x82']);
    expect(push.subarray(push.length - mms.length).equals(mms)).toBe(true);
  });

  it.skipIf(!toolAvailable('wbxml2xml'))('SL (-c sl): the WBXML body of the push decodes with wbxml2xml to the same document', { timeout: 180_000 }, async () => {
    const sl = join(dir, 'sl.xml');
    writeFileSync(sl, '<?xml version="1.0"?>\n<!DOCTYPE sl PUBLIC "-//WAPFORUM//DTD SL 1.0//EN" "http://www.wapforum.org/DTD/sl.dtd">\n<sl href="http://www.example.com/mms/retrieve?id=42" action="execute-high"/>\n');
    const ctl = join(dir, 'sl-control.xml');
    writeFileSync(ctl, control('sl-1@wapgate.test'));
    const before = received.length;
    const log = await testPpg(['-c', 'sl'], sl, ctl);
    expect(replyOf(log)).toEqual({ type: 'push response', code: '1001' });
    const push = await waitPush(before + 1);
    const { pdu } = decodeConnectionless(push);
    expect(pdu.type).toBe('Push');
    const p = pdu as Extract<typeof pdu, { type: 'Push' }>;
    expect(p.contentType?.type).toBe('application/vnd.wap.slc');
    const wb = join(dir, 'sl.wbxml');
    const out = join(dir, 'sl.out.xml');
    writeFileSync(wb, p.data);
    await run('wbxml2xml', ['-m', '0', '-o', out, wb]);
    const xml = readFileSync(out, 'utf8');
    expect(xml).toContain('<sl href="http://www.example.com/mms/retrieve?id=42" action="execute-high"');
  });

  it('wrong credentials: test_ppg gets a 2001 answer and nothing is pushed', async () => {
    const si = join(dir, 'si.xml');
    const ctl = join(dir, 'bad-control.xml');
    writeFileSync(ctl, control('si-bad@wapgate.test'));
    const pushesBefore = received.length;
    const { stderr } = await run('timeout', ['20', TOOL_PATHS.test_ppg!, '-c', 'si', `http://127.0.0.1:${papPort}/wappush?username=peer&password=nope`, si, ctl], { maxBuffer: 16 * 1024 * 1024 });
    expect(replyOf(stderr).code).toBe('2001');
    await new Promise((r) => setTimeout(r, 200));
    expect(received.length).toBe(pushesBefore);
    expect(ppg.engine.store.get('si-bad@wapgate.test')).toBeUndefined();
  });
});
