/**
 * The phone commands with their default options (the default handset profile) through Kannel's wapbox 1.4.5,
 * a WAP gateway we did not write: `phone get` of a 6,000-octet reply (WTP SAR), `phone post` of a 5,000-octet
 * m-send-req (SAR), `phone send-mms` to our MMSC and `phone receive` of the notification Kannel's PPG pushes.
 * Before the profiles, Kannel answered the Get 406 (no Accept); a profile without Accept still gets 406 — the
 * check that the default profile's Accept is what makes the difference. Kannel's harness holds fixed ports, so
 * this waits for another run (another engineer's, or test/mmsc/kannel.test.ts) to release them.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as get } from '../../src/cli/phone-get.ts';
import { run as post } from '../../src/cli/phone-post.ts';
import { run as receive } from '../../src/cli/phone-receive.ts';
import { run as sendMms } from '../../src/cli/phone-send-mms.ts';
import { createMmsc, type Mmsc } from '../../src/mmsc/index.ts';
import { SHARED_DIR, sharedAvailable, tempDir, toolAvailable } from '../support/tools.ts';

const KANNEL = join(SHARED_DIR, 'peers', 'kannel');
const ready = sharedAvailable() && toolAvailable('bearerbox') && toolAvailable('/usr/sbin/wapbox');

async function tcpFree(port: number): Promise<boolean> {
  const srv = net.createServer();
  return new Promise((resolve) => {
    srv.once('error', () => resolve(false));
    srv.listen(port, '0.0.0.0', () => srv.close(() => resolve(true)));
  });
}
async function udpFree(port: number, address: string): Promise<boolean> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.bind(port, address, () => s.close(() => resolve(true)));
  });
}
/** Waits until the harness's fixed ports are free (another Kannel run finishing). */
async function waitForKannelPorts(ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const free = (await Promise.all([tcpFree(13000), tcpFree(13002), tcpFree(18080), udpFree(9201, '127.0.0.2'), udpFree(9200, '127.0.0.2')])).every(Boolean);
    if (free) return;
    if (Date.now() > until) throw new Error('Kannel ports 13000/13002/18080, 127.0.0.2:9200/9201 still busy (another Kannel running)');
    await new Promise((r) => setTimeout(r, 2000));
  }
}

describe.skipIf(!ready)('phone commands with default options through Kannel wapbox', () => {
  const run = tempDir('wapgate-kannel-phone-');
  const env = { ...process.env, KANNEL_RUN_DIR: run, KANNEL_WDP_ADDR: '127.0.0.2' };
  let started = false;
  let upstream: ChildProcess | undefined;
  let origin = '';
  let mmsc: Mmsc;
  let mm1 = '';

  beforeAll(async () => {
    await waitForKannelPorts(240_000);
    const r = spawnSync('bash', [join(KANNEL, 'start.sh')], { env, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`Kannel did not start:\n${r.stdout}${r.stderr}`);
    started = true;
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    upstream = spawn(process.execPath, [join(KANNEL, 'upstream.js'), String(port), '127.0.0.1'], { stdio: 'ignore' });
    origin = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 50; i++) {
      if (await fetch(`${origin}/status`).then((x) => x.ok, () => false)) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    mmsc = createMmsc({ storeDir: join(run, 'store'), ppgUrl: 'http://127.0.0.1:18080/wappush?username=peer&password=peer' });
    mm1 = `http://127.0.0.1:${(await mmsc.listen(0, '127.0.0.1')).port}/mms`;
  }, 300_000);

  afterAll(async () => {
    await mmsc?.close();
    upstream?.kill();
    if (started) execFileSync('bash', [join(KANNEL, 'stop.sh')], { env, timeout: 60_000 });
  }, 90_000);

  it('phone get of a 6,000-octet reply (SAR): 200 with the default profile, 406 without an Accept', async () => {
    const out = join(run, 'big');
    expect(await get([`${origin}/big`, '--gateway', '127.0.0.2:9201', '--bind', '127.0.0.51', '--out', out])).toBe(0);
    expect(readFileSync(out).length).toBe(6000);
    const bare = join(run, 'bare.yaml');
    writeFileSync(bare, 'name: bare\nuserAgent: bare/1.0\n');
    expect(await get([`${origin}/big`, '--gateway', '127.0.0.2:9201', '--bind', '127.0.0.51', '--profile', bare, '--out', join(run, 'x')])).toBe(1);
  }, 60_000);

  it('phone post of a 5,000-octet m-send-req (SAR)', async () => {
    const body = join(run, 'sr.mms');
    execFileSync(process.execPath, [join(KANNEL, 'make-mms.js'), '5000', body]);
    const out = join(run, 'conf');
    expect(await post([`${origin}/mms`, '--content-type', 'application/vnd.wap.mms-message', '--body', body, '--gateway', '127.0.0.2:9201', '--bind', '127.0.0.52', '--out', out])).toBe(0);
    expect(readFileSync(out)[0]).toBe(0x8c);
  }, 60_000);

  it('phone send-mms and phone receive: the picture and the text arrive whole', async () => {
    const pic = Buffer.alloc(20_000);
    for (let i = 0; i < pic.length; i++) pic[i] = (i * 31) & 0xff;
    writeFileSync(join(run, 'pic.jpg'), pic);
    writeFileSync(join(run, 'note.txt'), 'hello through Kannel\n');
    const out = join(run, 'alice');
    const alice = receive(['--gateway', '127.0.0.2:9201', '--bind', '127.0.0.53', '--out', out, '--count', '1', '--timeout', '60']);
    await new Promise((r) => setTimeout(r, 300));
    const sent = await sendMms(['--gateway', '127.0.0.2:9201', '--bind', '127.0.0.54', '--mmsc', mm1, '--from', '+15550000001', '--to', '127.0.0.53/TYPE=IPv4', '--subject', 'profiles', join(run, 'pic.jpg'), join(run, 'note.txt')]);
    expect(sent).toBe(0);
    expect(await alice).toBe(0);
    expect(readFileSync(join(out, 'pic.jpg')).equals(pic)).toBe(true);
    expect(readFileSync(join(out, 'note.txt'), 'utf8')).toBe('hello through Kannel\n');
  }, 120_000);
});
