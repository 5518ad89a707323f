/**
 * Kannel's fakewap (a client we did not write) against our responder over real UDP on loopback. The WSP answers
 * are Kannel's own (ConnectReply, Reply) taken from ../shared/captures/kannel, so only our WTP is under test:
 * Connect, a 6000-byte Reply through SAR (groups Acked with the PSN TPI), the class-0 Disconnect reusing the
 * Get's TID, TIDnew (-n), and fakewap's own simulated packet loss (-l).
 */
import { execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeWtpDatagram } from '../../src/wtp/pdu.ts';
import { WtpResponder } from '../../src/wtp/responder.ts';
import type { WtpTimers } from '../../src/wtp/timers.ts';
import { SHARED_DIR, sharedAvailable, tempDir, TOOL_PATHS, toolAvailable } from '../support/tools.ts';
import { readUdpCapture } from './support.ts';

/** Kannel's WSP answers from the SAR capture: the ConnectReply and the 6000-byte Reply to GET /big. */
function kannelAnswers(): { connectReply: Buffer; bigReply: Buffer; postReply: Buffer } {
  const d = readUdpCapture(join(SHARED_DIR, 'captures', 'kannel', 'kannel-fakewap-co-sar.pcap'));
  const byTid = new Map<string, Buffer[]>();
  const ports: number[] = [];
  for (const x of d) {
    if (x.srcPort !== 9201) continue;
    if (!ports.includes(x.dstPort)) ports.push(x.dstPort);
    for (const p of decodeWtpDatagram(x.payload)) {
      const k = `${ports.indexOf(x.dstPort)}#${p.tid}`;
      if (p.type === 'Result' || p.type === 'SegmentedResult') byTid.set(k, [...(byTid.get(k) ?? []), p.data]);
    }
  }
  const get = (k: string): Buffer => Buffer.concat(byTid.get(k)!);
  // first fakewap run: GET /big (6000 bytes); second: POST of a 5000-byte m-send-req answered with m-send-conf
  return { connectReply: get('0#1'), bigReply: get('0#2'), postReply: get('1#2') };
}

const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

async function runFakewap(
  extra: string[],
  requests: number,
  timers: Partial<WtpTimers> = {},
): Promise<{ code: number | null; out: string; resp: WtpResponder; invokes: string[]; posted: number[] }> {
  const { connectReply, bigReply, postReply } = kannelAnswers();
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  cleanup.push(() => sock.close());
  const invokes: string[] = [];
  const posted: number[] = [];
  const resp = new WtpResponder({
    timers,
    transport: { send: (d, p) => sock.send(d, p.port, p.address) },
    user: {
      invoke(tx, data, info) {
        invokes.push(`${info.class}:${data[0]!.toString(16)}`);
        if (info.uack) tx.ack();
        if (info.class !== 2) return;
        if (data[0] === 0x01) tx.result(connectReply);
        else if (data[0] === 0x40) tx.result(bigReply);
        else if (data[0] === 0x60) {
          posted.push(data.length);
          tx.result(postReply);
        }
        else tx.abort(0xe0);
      },
      abort() {},
      resultConfirmed() {},
    },
  });
  cleanup.push(() => resp.dispose());
  sock.on('message', (m, r) => resp.receive(m, { address: r.address, port: r.port }));
  const port = sock.address().port;
  const child = spawn(TOOL_PATHS.fakewap!, ['-g', '127.0.0.1', '-p', String(port), '-M', '1', '-m', String(requests), '-i', '0', ...extra, 'http://127.0.0.1:8040/big'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
  cleanup.push(() => {
    clearTimeout(timer);
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return { code, out, resp, invokes, posted };
}

describe.skipIf(!toolAvailable('fakewap') || !sharedAvailable())('fakewap against our responder (real UDP, loopback)', () => {
  it('Connect, Get with a 6000-byte Reply through SAR, Disconnect — three times', async () => {
    const r = await runFakewap([], 3);
    expect(r.out).not.toMatch(/PANIC|ERROR/);
    expect(r.out.match(/Received WSP Reply with status code 200/g)).toHaveLength(3);
    expect(r.code).toBe(0);
    expect(r.invokes.filter((s) => s === '2:40')).toHaveLength(3);
    expect(r.resp.stats.aborted).toBe(0);
    expect(r.resp.stats.tidVerifications).toBe(0);
  }, 60_000);

  it('TIDnew set on every Invoke (-n): verified, answered, no stall', async () => {
    const r = await runFakewap(['-n'], 2);
    expect(r.code).toBe(0);
    expect(r.out.match(/Received WSP Reply with status code 200/g)).toHaveLength(2);
    expect(r.invokes.filter((s) => s === '2:40')).toHaveLength(2);
    expect(r.resp.stats.tidVerifications).toBeGreaterThan(0);
  }, 60_000);

  it('a 5000-byte m-send-req Post: segmented Invoke reassembled, groups Acked, Kannel\'s m-send-conf returned', async () => {
    const file = join(tempDir('wapgate-fakewap-'), 'send.mms');
    execFileSync('node', [join(SHARED_DIR, 'peers', 'kannel', 'make-mms.js'), '5000', file]);
    const r = await runFakewap(['-P', file, '-C', 'mms'], 2);
    expect(r.code).toBe(0);
    expect(r.out.match(/Received WSP Reply with status code 200/g)).toHaveLength(2);
    expect(r.posted).toHaveLength(2);
    expect(r.posted[0]).toBeGreaterThan(5000);
    expect(r.resp.stats.segmentsReceived).toBeGreaterThan(8);
  }, 60_000);

  it('fakewap simulating 20 % loss (-l 20): every request still answered', async () => {
    // Our retry interval shortened so the test stays quick; fakewap keeps its own.
    const r = await runFakewap(['-l', '20', '-F'], 4, { retryIntervalMs: 300, ackIntervalMs: 200 });
    expect(r.out.match(/Received WSP Reply with status code 200/g)?.length ?? 0).toBe(4);
    expect(r.resp.stats.aborted).toBe(0);
  }, 60_000);
});
