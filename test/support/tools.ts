/**
 * Outside tools the interop tests drive (tshark, fakewap, test_ppg, radclient, wbxml2xml, perl Net::SMPP).
 * Locally a missing tool skips its tests; under CI (env CI set) a missing tool is a failure, never a skip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const KANNEL_TEST_DIR = '/usr/lib/kannel/test';

export const TOOL_PATHS: Record<string, string> = {
  tshark: 'tshark',
  fakewap: join(KANNEL_TEST_DIR, 'fakewap'),
  test_ppg: join(KANNEL_TEST_DIR, 'test_ppg'),
  radclient: 'radclient',
  wbxml2xml: 'wbxml2xml',
  xml2wbxml: 'xml2wbxml',
  bearerbox: '/usr/sbin/bearerbox',
};

function found(cmd: string): boolean {
  if (cmd.startsWith('/')) return existsSync(cmd);
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

/**
 * True when the tool is here. When it is not: false locally (callers skip), but under CI this throws so the
 * test file fails loudly — the brief says interop tests fail, not skip, in CI.
 */
export function toolAvailable(name: keyof typeof TOOL_PATHS | string): boolean {
  const cmd = TOOL_PATHS[name] ?? name;
  if (found(cmd)) return true;
  if (process.env.CI) throw new Error(`${name} (${cmd}) is required under CI but is not installed — see .ci/run`);
  return false;
}

export function perlModuleAvailable(mod: string): boolean {
  const ok = spawnSync('perl', [`-M${mod}`, '-e', '1']).status === 0;
  if (!ok && process.env.CI) throw new Error(`perl module ${mod} is required under CI but is not installed`);
  return ok;
}

/** The shared folder beside the checkout (captures, peers): ../shared from the repo root. */
export const SHARED_DIR = join(import.meta.dirname, '..', '..', '..', 'shared');

export function sharedAvailable(): boolean {
  const ok = existsSync(join(SHARED_DIR, 'captures'));
  if (!ok && process.env.CI) throw new Error(`${SHARED_DIR} is missing`);
  return ok;
}

export function tempDir(prefix = 'wapgate-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

// ---------------- tshark ----------------

export interface TsharkResult {
  /** `tshark -T json` packets: each `_source.layers` keyed by protocol. */
  packets: TsharkPacket[];
  /** Every expert item of severity warning or error, and every Malformed marker, as text. */
  problems: string[];
  /** `tshark -V` text, for failure messages. */
  text: string;
}

export type TsharkPacket = { _source: { layers: Record<string, unknown> } };

const SEVERITY_WARN = 0x00600000;

/** Runs tshark over a pcap file (written from `pcap` when given a Buffer). Extra args e.g. ['-o', 'wsp...']. */
export function tshark(pcap: Buffer | string, extraArgs: string[] = []): TsharkResult {
  let file = typeof pcap === 'string' ? pcap : '';
  if (typeof pcap !== 'string') {
    file = join(tempDir('wapgate-tshark-'), 'in.pcap');
    writeFileSync(file, pcap);
  }
  const common = ['-r', file, '-n', ...extraArgs];
  // --no-duplicate-keys: a field repeated in one subtree becomes an array instead of losing all but its last value.
  const json = execFileSync('tshark', [...common, '-T', 'json', '--no-duplicate-keys'], { maxBuffer: 512 * 1024 * 1024 }).toString('utf8');
  const text = execFileSync('tshark', [...common, '-V'], { maxBuffer: 512 * 1024 * 1024 }).toString('utf8');
  const packets = JSON.parse(json) as TsharkPacket[];
  const problems: string[] = [];
  packets.forEach((p, i) => collectProblems(p._source.layers, `packet ${i + 1}`, problems));
  if (/Malformed Packet/.test(text)) problems.push('tshark -V reports a Malformed Packet');
  return { packets, problems: [...new Set(problems)], text };
}

function collectProblems(node: unknown, where: string, out: string[]): void {
  if (Array.isArray(node)) {
    for (const n of node) collectProblems(n, where, out);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === '_ws.malformed') out.push(`${where}: malformed`);
    if (k === '_ws.expert' && v && typeof v === 'object') {
      const items = Array.isArray(v) ? v : [v];
      for (const it of items) {
        const sev = Number((it as Record<string, string>)['_ws.expert.severity'] ?? 0);
        if (sev >= SEVERITY_WARN) out.push(`${where}: ${(it as Record<string, string>)['_ws.expert.message']}`);
      }
    }
    collectProblems(v, where, out);
  }
}

/** All values of a field (e.g. 'wsp.pdu_type', 'wtp.TID') anywhere in a packet's tree, as strings. */
export function fieldValues(packet: TsharkPacket | Record<string, unknown>, field: string): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k === field) {
        if (Array.isArray(v)) v.forEach((x) => out.push(typeof x === 'string' ? x : JSON.stringify(x)));
        else out.push(typeof v === 'string' ? v : JSON.stringify(v));
      }
      walk(v);
    }
  };
  walk(packet);
  return out;
}

/** tshark's version string, for test names and notes. */
export function tsharkVersion(): string {
  return execFileSync('tshark', ['--version']).toString().split('\n')[0] ?? 'tshark';
}
