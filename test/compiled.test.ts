/**
 * The compiled program as a user installs it (issue 13): `npm pack` of an `npm run build` build (tsc, the bundle),
 * installed with `--omit=dev` outside the repository (test/support/cli.ts compiledInstall). No TypeScript, tsx or
 * esbuild is installed there; `wapgate --help`, `decode`, `serve` (with worker threads) and `phone get` run.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledInstall, present, type CompiledInstall } from './support/cli.ts';
import { tempDir } from './support/tools.ts';

let inst: CompiledInstall;
beforeAll(() => {
  inst = compiledInstall();
}, 300_000);

describe('compiled package (npm pack, installed with --omit=dev)', () => {
  it('packs dist JavaScript, declarations, bin, the example config and README — no sources', () => {
    expect(inst.packed).toEqual(expect.arrayContaining(['bin/wapgate.js', 'dist/cli/main.js', 'dist/cli/main.d.ts', 'dist/app/worker-thread.js', 'dist/bundle/cli/main.js', 'dist/bundle/app/worker-thread.js', 'wapgate.example.yaml', 'README.md', 'package.json']));
    expect(inst.packed.filter((f) => f.startsWith('src/') || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
  });

  it('installs no TypeScript, tsx, esbuild or test tooling', () => {
    const nm = join(inst.app, 'node_modules');
    expect(present(join(nm, 'wapgate', 'dist', 'bundle', 'cli', 'main.js'))).toBe(true);
    for (const dev of ['typescript', 'tsx', 'esbuild', '@esbuild', 'vitest', 'vite', 'fast-check', '@types/node']) expect(present(join(nm, dev)), dev).toBe(false);
  });

  it('wapgate --help and decode run', () => {
    expect(execFileSync(inst.bin, ['--help'], { encoding: 'utf8' })).toContain('Usage: wapgate <command>');
    // A connectionless WSP Get of http://x/ (TID 1, Get 0x40, URI length 9).
    const out = execFileSync(inst.bin, ['decode', '--compact', '--as', 'wsp-cl', '--hex', '014009' + Buffer.from('http://x/').toString('hex')], { encoding: 'utf8' });
    expect(JSON.parse(out.trim())).toMatchObject({ ok: true });
    expect(out).toContain('http://x/');
  });

  describe('serve with two gateway worker threads, and phone get through it', () => {
    let upstream: Server;
    let serve: ChildProcess | undefined;
    let log = '';
    afterAll(async () => {
      if (serve?.pid && serve.exitCode === null) process.kill(-serve.pid, 'SIGTERM');
      await new Promise<void>((r) => upstream?.close(() => r()) ?? r());
    });

    it('answers a WSP Get over WTP', async () => {
      upstream = createServer((req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end(`compiled ${req.url}`);
      });
      await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
      const origin = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
      const dir = tempDir('wapgate-compiled-');
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, WAPGATE_LOG_PRETTY: 'false' };
      serve = spawn(inst.bin, ['serve', '--bind', '127.0.0.1', '--cl-port', '0', '--co-port', '0', '--pap-port', '0', '--admin-port', '0', '--upstream', `${origin}/`, '--gateway-workers', '2'], { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      serve.stdout!.on('data', (d: Buffer) => (log += d.toString()));
      serve.stderr!.on('data', (d: Buffer) => (log += d.toString()));
      for (let i = 0; i < 200 && !log.includes('wapgate ready'); i++) await new Promise((r) => setTimeout(r, 100));
      const ready = JSON.parse(log.split('\n').find((l) => l.includes('wapgate ready'))!) as { co: string };
      // Asynchronously: the upstream answers from this process.
      const got = await promisify(execFile)(inst.bin, ['phone', 'get', '--gateway', ready.co, '--timeout', '20', `${origin}/hello`], { cwd: dir, env, encoding: 'utf8' });
      expect(got.stdout).toBe('compiled /hello');
    }, 60_000);
  });
});
