/**
 * Content through the running gateway: our phone (WSP sessions and connectionless) and Kannel's fakewap fetch a
 * WML deck and a WMLScript and get wmlc / wmlscriptc; Accept augmentation reaches the server; cookies go across
 * two requests of one session, never across sessions, hosts or to connectionless requests; a broken deck
 * comes back as an error deck.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContentConverter } from '../../src/content/create.ts';
import type { ContentConverter } from '../../src/content/converter.ts';
import { createGateway, type Gateway } from '../../src/gateway/index.ts';
import { clGet } from '../../src/handset/cl.ts';
import { WspSession } from '../../src/handset/co.ts';
import { decodeWmlScriptBytecode } from '../../src/content/wmlscript/index.ts';
import { tempDir, toolAvailable, TOOL_PATHS } from '../support/tools.ts';
import { tokenStream } from './wbxml-tokens.ts';

const HELLO = readFileSync('/usr/lib/kannel/test/hello.wml');
const SCRIPT = 'extern function main(a) { var b = a + 1; return Dialogs.alert("b=" + b); }\n';

let server: Server;
let port = 0;
let gw: Gateway;
let content: ContentConverter;
const seen: { url: string; headers: Record<string, string | string[] | undefined> }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    const path = (req.url ?? '').split('?')[0];
    if (path === '/deck.wml') res.writeHead(200, { 'Content-Type': 'text/vnd.wap.wml' }).end(HELLO);
    else if (path === '/script.wmls') res.writeHead(200, { 'Content-Type': 'text/vnd.wap.wmlscript' }).end(SCRIPT);
    else if (path === '/broken.wml') res.writeHead(200, { 'Content-Type': 'text/vnd.wap.wml' }).end('<wml>\n<card>\n<p>unclosed\n</card></wml>');
    else if (path === '/set') res.writeHead(200, { 'Content-Type': 'text/plain', 'Set-Cookie': ['sid=s3cr3t; Path=/', 'pref=big'] }).end('set');
    else if (path === '/cookie') res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`cookie=${req.headers.cookie ?? ''}`);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  content = createContentConverter();
  gw = createGateway(
    {
      bind: '127.0.0.1',
      clPort: 0,
      coPort: 0,
      upstream: `http://127.0.0.1:${port}`,
      allowUpstream: [`http://127.0.0.1:${port}`, `http://localhost:${port}`],
    },
    { content },
  );
  await gw.start();
});

afterAll(async () => {
  await gw?.stop(200);
  await new Promise<void>((r) => server?.close(() => r()));
});

const co = () =>
  WspSession.connect({
    gateway: { host: '127.0.0.1', port: gw.addresses.co.port },
    bind: { address: '127.0.0.1' },
    headers: [
      { name: 'Accept', value: 'application/vnd.wap.wmlc' },
      { name: 'Accept', value: 'application/vnd.wap.wmlscriptc' },
      { name: 'Accept-Charset', value: 'utf-8' },
    ],
  });

describe('through the gateway: our phone', () => {
  it('a WML deck arrives as wmlc (WBXML version from the session), the server was asked for text/vnd.wap.wml', async () => {
    const s = await co();
    try {
      const r = await s.get(`http://127.0.0.1:${port}/deck.wml`);
      expect(r.status).toBe(200);
      expect(r.contentType).toBe('application/vnd.wap.wmlc');
      // no Encoding-Version in Connect: WSP 1.2 (WAP-230 §8.4.2.70) → WBXML 1.2
      expect(r.body.subarray(0, 3).toString('hex')).toBe('02046a');
      expect(tokenStream(r.body).tokens).toContain('"Hello, world."');
      const accept = String(seen.at(-1)!.headers.accept);
      expect(accept).toContain('application/vnd.wap.wmlc');
      expect(accept).toContain('text/vnd.wap.wml');
    } finally {
      await s.disconnect();
    }
  });

  it('a WMLScript arrives as wmlscriptc that decodes', async () => {
    const s = await co();
    try {
      const r = await s.get(`http://127.0.0.1:${port}/script.wmls`);
      expect(r.contentType).toBe('application/vnd.wap.wmlscriptc');
      expect(() => decodeWmlScriptBytecode(r.body)).not.toThrow();
      expect(String(seen.at(-1)!.headers.accept)).toContain('text/vnd.wap.wmlscript');
    } finally {
      await s.disconnect();
    }
  });

  it('a broken deck comes back as a WML error deck with the line', async () => {
    const r = await clGet({ gateway: { host: '127.0.0.1', port: gw.addresses.cl.port } }, `http://127.0.0.1:${port}/broken.wml`);
    expect(r.contentType).toBe('application/vnd.wap.wmlc');
    expect(tokenStream(r.body).tokens.join(' ')).toMatch(/line 4, column 1/);
  });

  it('cookies: across two requests of one session, not across hosts, sessions or to connectionless requests', async () => {
    const a = await co();
    const b = await co();
    try {
      const set = await a.get(`http://127.0.0.1:${port}/set`);
      expect(set.headers.some((h) => h.name.toLowerCase() === 'set-cookie')).toBe(false);
      expect((await a.get(`http://127.0.0.1:${port}/cookie`)).body.toString()).toBe('cookie=sid=s3cr3t; pref=big');
      expect((await a.get(`http://localhost:${port}/cookie`)).body.toString()).toBe('cookie=');
      expect((await b.get(`http://127.0.0.1:${port}/cookie`)).body.toString()).toBe('cookie=');
      const cl = { gateway: { host: '127.0.0.1', port: gw.addresses.cl.port } };
      await clGet(cl, `http://127.0.0.1:${port}/set`);
      expect((await clGet(cl, `http://127.0.0.1:${port}/cookie`)).body.toString()).toBe('cookie=');
    } finally {
      await a.disconnect();
      await b.disconnect();
    }
    // the jar ended with the session
    await new Promise((r) => setTimeout(r, 50));
    expect(content.jars.size).toBe(0);
  });
});

function fakewap(mode: 'co' | 'cl', url: string, out: string): Promise<string> {
  const p = mode === 'co' ? gw.addresses.co.port : gw.addresses.cl.port;
  const args = ['-g', '127.0.0.1', '-p', String(p), '-M', mode === 'co' ? '1' : '0', '-m', '1', '-i', '0', '-c', '1', '-w', out, url];
  return new Promise((resolve) => execFile('timeout', ['20', TOOL_PATHS.fakewap!, ...args], { encoding: 'utf8' }, (_e, so, se) => resolve(`${so}${se}`)));
}

describe.skipIf(!toolAvailable('fakewap'))('through the gateway: Kannel’s fakewap', () => {
  for (const mode of ['co', 'cl'] as const) {
    it(`${mode}: the deck arrives as wmlc, the script as wmlscriptc`, async () => {
      const dir = tempDir('wapgate-fakewap-content-');
      const deck = join(dir, 'deck.out');
      const log = await fakewap(mode, `http://127.0.0.1:${port}/deck.wml`, deck);
      expect(log).toMatch(/status code 200/);
      // fakewap writes the body it received: WBXML (not the text the server sent)
      const body = readFileSync(deck);
      expect(body.subarray(0, 3).toString('hex')).toBe(mode === 'co' ? '02046a' : '01046a');
      expect(tokenStream(body).tokens).toContain('"Hello, world."');
      const script = join(dir, 'script.out');
      const log2 = await fakewap(mode, `http://127.0.0.1:${port}/script.wmls`, script);
      expect(log2).toMatch(/status code 200/);
      expect(readFileSync(script).subarray(0, 4).toString()).not.toBe('exte');
      expect(() => decodeWmlScriptBytecode(readFileSync(script))).not.toThrow();
    }, 30_000);
  }
});
