/**
 * Kannel's fakewap (a client we did not write) against wapgate on 127.0.0.1, every flow the issue names, 16
 * phones each, every transaction a 200; tshark (Wireshark's dissectors) reads a capture of each run with no
 * Malformed/expert error. With UPDATE_CAPTURES=1 a one-transaction capture of each flow is stored in captures/.
 */
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_DIR, sharedAvailable, tempDir, toolAvailable, tshark, fieldValues, TOOL_PATHS } from '../support/tools.ts';
import { maybeStoreCapture, startHarness, type Harness } from '../gateway/harness.ts';

const LOAD = join(SHARED_DIR, 'peers', 'kannel', 'fakewap-load.sh');
const MAKE_MMS = join(SHARED_DIR, 'peers', 'kannel', 'make-mms.js');
const CAPTURES = join(import.meta.dirname, '..', '..', 'captures');
const ready = toolAvailable('fakewap') && toolAvailable('tshark') && sharedAvailable();

interface LoadResult {
  ok: number;
  non200: number;
  timeouts: number;
  code: number;
  out: string;
}

function load(mode: 'co' | 'cl', port: number, url: string, n: number, postFile?: string, procs = 16): Promise<LoadResult> {
  return new Promise((resolve) => {
    const env = { ...process.env, FAKEWAP_MODE: mode, FAKEWAP_PROCS: String(procs), FAKEWAP_TIMEOUT: '60' } as Record<string, string>;
    if (postFile) env.FAKEWAP_POST_FILE = postFile;
    else delete env.FAKEWAP_POST_FILE;
    execFile('bash', [LOAD, '127.0.0.1', String(port), url, String(n)], { env, timeout: 90_000 }, (err, stdout, stderr) => {
      const out = `${stdout}\n${stderr}`;
      const num = (k: string): number => Number(new RegExp(`${k}=(\\d+)`).exec(out)?.[1] ?? -1);
      resolve({ ok: num('ok'), non200: num('non200'), timeouts: num('timeouts'), code: err ? ((err as { code?: number }).code ?? 1) : 0, out });
    });
  });
}

/** One fakewap phone, one transaction (for the stored capture). Async: the gateway runs in this process. */
function once(mode: 'co' | 'cl', port: number, url: string, postFile?: string): Promise<string> {
  const args = ['-g', '127.0.0.1', '-p', String(port), '-M', mode === 'co' ? '1' : '0', '-m', '1', '-i', '0', '-c', '1'];
  if (postFile) args.push('-C', 'mms', '-P', postFile);
  return new Promise((resolve) => {
    execFile('timeout', ['20', TOOL_PATHS.fakewap!, ...args, url], { encoding: 'utf8' }, (_err, stdout, stderr) =>
      resolve(`${stdout}${stderr}`),
    );
  });
}

describe.skipIf(!ready)('fakewap against wapgate (16 phones, every transaction 200)', () => {
  let h: Harness;
  let post2000 = '';
  let post300 = '';

  beforeAll(async () => {
    h = await startHarness();
    const dir = tempDir('wapgate-fakewap-');
    post2000 = join(dir, 'sr2000.mms');
    post300 = join(dir, 'sr300.mms');
    execFileSync('node', [MAKE_MMS, '2000', post2000]);
    execFileSync('node', [MAKE_MMS, '300', post300]);
  });
  afterAll(async () => {
    await h?.close();
  });

  const flows: { name: string; mode: 'co' | 'cl'; path: string; post?: () => string; n: number; sar?: boolean }[] = [
    { name: 'cl-get', mode: 'cl', path: '/echo', n: 64 },
    { name: 'cl-post', mode: 'cl', path: '/raw', post: () => post300, n: 64 },
    { name: 'co-get', mode: 'co', path: '/echo', n: 48 },
    { name: 'co-post', mode: 'co', path: '/raw', post: () => post2000, n: 32, sar: true },
    { name: 'co-get-sar', mode: 'co', path: '/bytes/6000', n: 32, sar: true },
  ];

  for (const f of flows) {
    it(`${f.name}: fakewap gets 200 for every transaction; tshark reads the capture cleanly`, async () => {
      const port = f.mode === 'cl' ? h.gw.addresses.cl.port : h.gw.addresses.co.port;
      const url = `${h.up.origin}${f.path}`;
      // One transaction alone: the regression capture.
      h.datagrams.length = 0;
      const single = await once(f.mode, port, url, f.post?.());
      expect(single).toContain('200OK');
      await new Promise((r) => setTimeout(r, 100));
      const small = h.pcap();
      const ts = tshark(small);
      expect(ts.problems, ts.text.slice(0, 4000)).toEqual([]);
      expect(ts.packets.length).toBeGreaterThan(1);
      maybeStoreCapture(join(CAPTURES, `wapgate-fakewap-${f.name}.pcap`), small);
      // The load: 16 phones.
      h.datagrams.length = 0;
      const r = await load(f.mode, port, url, f.n, f.post?.());
      expect(r.non200, r.out).toBe(0);
      expect(r.timeouts, r.out).toBe(0);
      expect(r.ok, r.out).toBe(f.n);
      expect(r.code, r.out).toBe(0);
      const big = tshark(h.pcap());
      expect(big.problems, big.text.slice(0, 4000)).toEqual([]);
      const replies = big.packets.filter((p) => fieldValues(p, 'wsp.reply.status').some((s) => s !== '0x20'));
      expect(replies.length).toBe(0);
    }, 120_000);
  }
});
