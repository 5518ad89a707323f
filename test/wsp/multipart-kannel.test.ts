/**
 * WSP multipart ⇄ MIME against Kannel's MIME parser (test_mime_multipart from kannel-extras) and Kannel's own
 * nested MIME sample: what Kannel parses from its sample, wapgate must parse the same; what wapgate writes,
 * Kannel must parse into the same tree of entities (types and sizes).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeMultipart, encodeMultipart, mimeToWspMultipart, wspMultipartToMime, type MultipartEntry } from '../../src/wsp/multipart.ts';
import { tempDir, toolAvailable } from '../support/tools.ts';

const TEST_MIME_MULTIPART = '/usr/lib/kannel/test/test_mime_multipart';
const SAMPLE = '/usr/lib/kannel/test/mime-multipart.txt';

/** Kannel's "Dumping MIMEEntity" tree as lines `<depth> <type> <entities|size>`. */
function kannelTree(mimeFile: string): string[] {
  // Kannel logs to stderr; -v 0 is its debug level, where the entity dump is written.
  const res = spawnSync(TEST_MIME_MULTIPART, ['-v', '0', mimeFile], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const tree = kannelTreeOf(`${res.stdout}\n${res.stderr}`);
  expect(tree.length, res.stderr.slice(-2000)).toBeGreaterThan(0);
  return tree;
}

function kannelTreeOf(log: string): string[] {
  const lines = log.split('\n').map((l) => l.replace(/^.*?DEBUG: /, ''));
  const start = lines.findIndex((l) => l.startsWith('Dumping MIMEEntity'));
  const tree: string[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    const ct = /^( *)Content-Type `([^']*)'/.exec(lines[i]!);
    if (!ct) {
      if (/^ *Body contains/.test(lines[i]!)) continue;
      break;
    }
    const body = /Body contains (\d+) MIME entities, size (-?\d+)/.exec(lines[i + 1] ?? '');
    tree.push(`${ct[1]!.length / 2} ${ct[2]} ${body && body[1] !== '0' ? `${body[1]} entities` : `${body?.[2]} octets`}`);
  }
  return tree;
}

function ourTree(entries: readonly MultipartEntry[], depth = 1): string[] {
  return entries.flatMap((e) => [
    `${depth} ${e.parts ? e.contentType.type.replace('application/vnd.wap.multipart.', 'multipart/') : e.contentType.type} ${e.parts ? `${e.parts.length} entities` : `${e.data.length} octets`}`,
    ...(e.parts ? ourTree(e.parts, depth + 1) : []),
  ]);
}

function loadSample(): { contentType: string; body: Buffer } {
  const text = readFileSync(SAMPLE);
  const split = text.indexOf('\n\n');
  const headers = text.subarray(0, split).toString('latin1');
  const contentType = /^Content-Type:\s*(.*)$/im.exec(headers)![1]!.trim();
  return { contentType, body: text.subarray(split + 2) };
}

describe.skipIf(!toolAvailable(TEST_MIME_MULTIPART) || !toolAvailable(SAMPLE))('multipart against Kannel', () => {
  it("parses Kannel's nested MIME sample into the tree Kannel sees", () => {
    const kannel = kannelTree(SAMPLE);
    expect(kannel).toEqual([
      '0 multipart/related 2 entities',
      '1 text/plain 32 octets',
      '1 multipart/mixed 2 entities',
      '2 text/plain 29 octets',
      '2 application/xml 332 octets',
    ]);
    const { contentType, body } = loadSample();
    const ours = mimeToWspMultipart(body, contentType);
    expect(ours.contentType.type).toBe('application/vnd.wap.multipart.related');
    expect(ours.contentType.params).toContainEqual({ name: 'start', value: '<AAA>' });
    expect([`0 multipart/related ${ours.entries.length} entities`, ...ourTree(ours.entries)]).toEqual(kannel);
    // and the binary WSP form of it round-trips
    expect(decodeMultipart(encodeMultipart(ours.entries))).toEqual(ours.entries);
  });

  it('writes MIME that Kannel parses into the same tree', () => {
    const { contentType, body } = loadSample();
    const wsp = mimeToWspMultipart(body, contentType);
    const mime = wspMultipartToMime(wsp.entries, wsp.contentType);
    const file = join(tempDir('wapgate-kmime-'), 'ours.txt');
    writeFileSync(file, Buffer.concat([Buffer.from(`Content-Type: ${mime.contentType}\r\nMIME-Version: 1.0\r\n\r\n`, 'latin1'), mime.body]));
    expect(kannelTree(file)).toEqual(kannelTree(SAMPLE));
  });
});
