/**
 * Interop with Kannel (bearerbox + wapbox 1.4.5, a WAP gateway and PPG we did not write): the whole MMS flow with
 * Kannel in the middle. Bob's `phone send-mms` goes through Kannel's WTP/WSP to our MMSC; our MMSC's PAP
 * submission is accepted by Kannel's PPG, which pushes the m-notification-ind over the IP bearer to Alice's
 * `phone receive` (127.0.0.3:2948); Alice retrieves through Kannel (WTP SAR) and answers m-notifyresp-ind.
 * Kannel injects no X-MSISDN, so Bob names himself (--from) and Alice is addressed by IP (/TYPE=IPv4).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as receive } from '../../src/cli/phone-receive.ts';
import { run as sendMms } from '../../src/cli/phone-send-mms.ts';
import { createMmsc, type Mmsc } from '../../src/mmsc/index.ts';
import { SHARED_DIR, sharedAvailable, tempDir, toolAvailable } from '../support/tools.ts';

const KANNEL = join(SHARED_DIR, 'peers', 'kannel');
const ready = sharedAvailable() && toolAvailable('bearerbox') && toolAvailable('/usr/sbin/wapbox');

describe.skipIf(!ready)('the MMS flow through Kannel (gateway and PPG)', () => {
  const run = tempDir('wapgate-kannel-mms-');
  const env = { ...process.env, KANNEL_RUN_DIR: run, KANNEL_WDP_ADDR: '127.0.0.2' };
  let started = false;
  let mmsc: Mmsc;
  let mm1: string;

  beforeAll(async () => {
    const r = spawnSync('bash', [join(KANNEL, 'start.sh')], { env, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`Kannel did not start (another instance or its ports busy?):\n${r.stdout}${r.stderr}`);
    started = true;
    mmsc = createMmsc({ storeDir: join(run, 'store'), ppgUrl: 'http://127.0.0.1:18080/wappush?username=peer&password=peer' });
    const port = (await mmsc.listen(0, '127.0.0.1')).port;
    mm1 = `http://127.0.0.1:${port}/mms`;
  }, 90_000);

  afterAll(async () => {
    await mmsc?.close();
    if (started) execFileSync('bash', [join(KANNEL, 'stop.sh')], { env, timeout: 60_000 });
  }, 90_000);

  it('Bob → Kannel → MMSC → Kannel PPG → Alice → Kannel → MMSC', async () => {
    const pic = Buffer.alloc(20_000);
    for (let i = 0; i < pic.length; i++) pic[i] = (i * 31) & 0xff;
    const file = join(run, 'pic.jpg');
    writeFileSync(file, pic);
    const out = join(run, 'alice');
    const alice = receive(['--gateway', '127.0.0.2:9201', '--bind', '127.0.0.3', '--push-port', '2948', '--out', out, '--count', '1', '--timeout', '60']);
    await new Promise((r) => setTimeout(r, 300));
    const sent = await sendMms([
      '--gateway', '127.0.0.2:9201', '--bind', '127.0.0.4', '--mmsc', mm1,
      '--from', '+15550000001', '--to', '127.0.0.3/TYPE=IPv4', '--subject', 'via Kannel', file,
    ]);
    expect(sent).toBe(0);
    expect(await alice).toBe(0);
    expect(readFileSync(join(out, 'pic.jpg')).equals(pic)).toBe(true);
    await mmsc.idle();
    const [m] = mmsc.store.list();
    expect(m!.from).toBe('+15550000001/TYPE=PLMN');
    expect(m!.recipients[0]).toMatchObject({ address: '127.0.0.3/TYPE=IPv4', pushAddress: 'WAPPUSH=127.0.0.3/TYPE=IPv4@ppg', state: 'Retrieved' });
  }, 120_000);
});
