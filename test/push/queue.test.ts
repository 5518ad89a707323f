/**
 * The PPG's durable queue (issue 18): pushes answered 1001 survive a crash (the process is "killed": the store's
 * connection dropped without ppg.close()), attempts in flight are sent again and counted, owed notifications are
 * sent after the restart, the old JSON state file is taken in once, and a store that cannot be written refuses
 * pushes with 4001 instead of answering 1001 for what it did not keep.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.ts';
import { XMLParser } from 'fast-xml-parser';
import type { PushTransport } from '../../src/push/delivery.ts';
import type { PpgMetrics } from '../../src/push/engine.ts';
import { serialiseRecords } from '../../src/push/persist.ts';
import { createPpg, type Ppg } from '../../src/push/ppg.ts';
import type { PpgOptionsInput } from '../../src/push/options.ts';
import { parsePushAddress } from '../../src/push/address.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { tempDir } from '../support/tools.ts';

const DOCTYPE = '<?xml version="1.0"?><!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">';
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });

function pushBody(id: string, extra = ''): { body: Buffer; type: string } {
  const b = 'q-boundary';
  const control = `${DOCTYPE}<pap><push-message push-id="${id}" ${extra}><address address-value="WAPPUSH=127.0.0.1/TYPE=IPv4@ppg"/><quality-of-service delivery-method="unconfirmed"/></push-message></pap>`;
  const body = Buffer.from(`--${b}\r\nContent-Type: application/xml\r\n\r\n${control}\r\n--${b}\r\nContent-Type: text/plain\r\n\r\nbody of ${id}\r\n--${b}--\r\n`);
  return { body, type: `multipart/related; boundary=${b}; type="application/xml"` };
}

const until = async (f: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
};

interface Node {
  ppg: Ppg;
  store: Store;
  sent: string[];
  notified: { pushId: string; state: string }[];
  counted: Map<string, number>;
  post(id: string, extra?: string): Promise<{ status: number; code: string }>;
  /** SIGKILL, as far as the store can tell: its connection goes without ppg.close() or a final flush. */
  crash(): void;
}

const running: Node[] = [];
afterEach(async () => {
  for (const n of running.splice(0)) {
    if (!n.store.isOpen) continue;
    await n.ppg.close();
    n.store.close();
  }
});

async function start(path: string, o: { clock?: FakeClock; transport?: PushTransport; notifyStatus?: () => number; opts?: PpgOptionsInput } = {}): Promise<Node> {
  const store = openStore({ path });
  const sent: string[] = [];
  const notified: Node['notified'] = [];
  const counted = new Map<string, number>();
  const metrics: PpgMetrics = {
    pushes: { labels: (bearer, outcome) => ({ inc: () => void counted.set(`${bearer}/${outcome}`, (counted.get(`${bearer}/${outcome}`) ?? 0) + 1) }) },
    pushQueueDepth: { set: () => {} },
  };
  const transport: PushTransport = o.transport ?? { sendDatagram: async (payload) => void sent.push(payload.toString('latin1')) };
  const ppg = createPpg(
    { ...o.opts, queue: { retryInterval: 1000, ...o.opts?.queue } },
    {
      transport,
      store,
      metrics,
      ...(o.clock ? { clock: o.clock } : {}),
      notify: async (_url, doc) => {
        const status = o.notifyStatus?.() ?? 200;
        if (status === 200) {
          const m = xml.parse(doc).pap['resultnotification-message'];
          notified.push({ pushId: m['push-id'], state: m['message-state'] });
        }
        return status;
      },
    },
  );
  const addr = await ppg.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${addr.port}/wappush`;
  const node: Node = {
    ppg,
    store,
    sent,
    notified,
    counted,
    async post(id, extra = '') {
      const m = pushBody(id, extra);
      const res = await fetch(url, { method: 'POST', body: new Uint8Array(m.body), headers: { 'content-type': m.type } });
      const doc = xml.parse(await res.text());
      return { status: res.status, code: String(doc.pap['push-response']?.['response-result']?.code) };
    },
    crash() {
      store.db.close();
      (store as unknown as { closed: boolean }).closed = true;
      void ppg.close().catch(() => undefined);
    },
  };
  running.push(node);
  return node;
}

describe('PPG queue in the store', () => {
  it('a push answered 1001 and due later survives a crash and is delivered after the restart', async () => {
    const path = join(tempDir('wapgate-ppgq-'), 'wapgate.db');
    const clock = new FakeClock();
    const a = await start(path, { clock });
    expect(await a.post('later-1', 'deliver-after-timestamp="2026-01-01T00:30:00Z" ppg-notify-requested-to="http://pi.invalid/n"')).toEqual({ status: 202, code: '1001' });
    a.crash();
    const b = await start(path, { clock });
    expect(await b.ppg.ready).toMatchObject({ records: 1, pending: 1, inFlight: 0 });
    expect(b.ppg.engine.store.get('later-1')?.targets[0]?.state).toBe('pending');
    expect(b.sent).toHaveLength(0);
    clock.advance(31 * 60_000);
    await until(() => b.sent.length === 1 && b.notified.length === 1);
    expect(b.sent[0]).toContain('body of later-1');
    expect(b.notified[0]).toEqual({ pushId: 'later-1', state: 'delivered' });
    // The push-id stays taken across the restart (WAP-247 §9.2.2: 2007 duplicate push-id).
    expect(await b.post('later-1')).toMatchObject({ code: '2007' });
  });

  it('a push whose attempt was under way at the crash is sent again after the restart and counted', async () => {
    const path = join(tempDir('wapgate-ppgq-'), 'wapgate.db');
    let attempts = 0;
    const hanging: PushTransport = { sendDatagram: () => (attempts++, new Promise<void>(() => {})) };
    const a = await start(path, { transport: hanging });
    expect((await a.post('inflight-1')).code).toBe('1001');
    await until(() => attempts === 1);
    await new Promise((r) => setImmediate(r));
    a.crash();
    const b = await start(path);
    expect(await b.ppg.ready).toMatchObject({ pending: 1, inFlight: 1 });
    await until(() => b.sent.length === 1);
    expect(b.counted.get('ip-cl/redelivered')).toBe(1);
    expect(b.ppg.engine.store.get('inflight-1')?.targets[0]).toMatchObject({ state: 'delivered', attempts: 2 });
  });

  it('a result notification the PI did not take before the crash is sent after the restart', async () => {
    const path = join(tempDir('wapgate-ppgq-'), 'wapgate.db');
    let notifyCalls = 0;
    const a = await start(path, { notifyStatus: () => (notifyCalls++, 503) });
    expect((await a.post('owed-1', 'ppg-notify-requested-to="http://pi.invalid/n"')).code).toBe('1001');
    await until(() => a.sent.length === 1 && notifyCalls >= 1);
    a.crash();
    const b = await start(path);
    expect(await b.ppg.ready).toMatchObject({ pending: 0, notifications: 1 });
    await until(() => b.notified.length === 1);
    expect(b.notified[0]).toEqual({ pushId: 'owed-1', state: 'delivered' });
    expect(b.sent).toHaveLength(0); // delivered once, not again
    await new Promise((r) => setTimeout(r, 20));
    const c = b.store.db.prepare('SELECT notify_owed FROM ppg_target').get() as { notify_owed: number };
    expect(c.notify_owed).toBe(0);
  });

  it('the JSON state file of an older wapgate is taken into the store once, then renamed', async () => {
    const dir = tempDir('wapgate-ppgq-');
    const stateFile = join(dir, 'mmsc.ppg-pending.json');
    writeFileSync(
      stateFile,
      serialiseRecords([
        {
          pushId: 'old-1',
          version: '2.0',
          receivedTime: Date.now() - 1000,
          deliverBefore: Date.now() + 3_600_000,
          priority: 'medium',
          qos: { priority: 'medium', deliveryMethod: 'unconfirmed', networkRequired: false, bearerRequired: false },
          initiator: { ip: '127.0.0.1' },
          content: { contentType: 'text/plain', body: Buffer.from('from the old file'), entityHeaders: [] },
          targets: [{ index: 0, address: parsePushAddress('WAPPUSH=127.0.0.1/TYPE=IPv4@ppg'), state: 'pending', code: 1001, eventTime: Date.now(), attempts: 0, notBefore: 0, busy: false }],
          seq: 0,
        },
      ]),
    );
    const a = await start(join(dir, 'wapgate.db'), { opts: { queue: { stateFile } } });
    await until(() => a.sent.length === 1);
    expect(a.sent[0]).toContain('from the old file');
    expect(existsSync(stateFile)).toBe(false);
    expect(existsSync(`${stateFile}.imported`)).toBe(true);
    expect((a.store.db.prepare('SELECT count(*) AS n FROM ppg_push').get() as { n: number }).n).toBe(1);
  });

  it('a store that cannot take the push (disk full) answers 4001 / 503, never 1001', async () => {
    const path = join(tempDir('wapgate-ppgq-'), 'wapgate.db');
    const a = await start(path);
    expect((await a.post('fits')).code).toBe('1001');
    const pages = a.store.db.pragma('page_count', { simple: true }) as number;
    a.store.db.pragma(`max_page_count = ${pages}`);
    const big = 'x'.repeat(8000);
    const r = await a.post('too-much', `source-reference="${big}"`);
    expect(r).toEqual({ status: 503, code: '4001' });
    expect(a.ppg.engine.store.get('too-much')).toBeUndefined();
    a.store.db.pragma('max_page_count = 1000000');
    expect((await a.post('too-much', `source-reference="${big}"`)).code).toBe('1001');
  });
});
