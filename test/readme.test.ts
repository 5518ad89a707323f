/**
 * The README cannot lie: its walk-through (the ```sh walkthrough block) is extracted from README.md and run as
 * written — `npm start`, Alice's `phone receive`, Bob's `phone send-mms` — with only the ports moved to free
 * ones (so the suite can run beside other tests) and /tmp/alice moved to a temp dir. It runs the compiled
 * program as a user installs it (test/support/cli.ts compiledInstall: npm pack, installed with --omit=dev):
 * `npm start` in the installed package, `wapgate` its bin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compiledInstall, type CompiledInstall } from './support/cli.ts';
import { tempDir } from './support/tools.ts';

const ROOT = join(import.meta.dirname, '..');
let BIN = '';
let inst: CompiledInstall;
beforeAll(() => {
  inst = compiledInstall();
  BIN = inst.bin;
}, 300_000);

function walkthrough(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /```sh walkthrough\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('README.md has no ```sh walkthrough block');
  return m[1]!.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

async function freeTcp(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function freeUdp(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4').bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

function shellWords(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

describe('README walk-through', () => {
  it('runs as written: Bob sends, Alice receives byte-identical parts', async () => {
    const cmds = walkthrough();
    expect(cmds).toHaveLength(3);
    expect(cmds[0]).toBe('npm start');
    const work = tempDir('wapgate-readme-');
    writeFileSync(join(work, 'picture.jpg'), Buffer.from(Array.from({ length: 30_000 }, (_, i) => (i * 7 + 3) & 0xff)));
    writeFileSync(join(work, 'note.txt'), 'Hello Alice\n');
    const ports = { 9200: await freeUdp(), 9201: await freeUdp(), 8080: await freeTcp(), 8002: await freeTcp(), 2948: await freeUdp() };
    const env = {
      ...process.env,
      WAPGATE_CONFIG: '',
      WAPGATE_GATEWAY_CL_PORT: String(ports[9200]),
      WAPGATE_GATEWAY_CO_PORT: String(ports[9201]),
      WAPGATE_PUSH_PAP_PORT: String(ports[8080]),
      WAPGATE_PUSH_PUSH_PORT: String(ports[2948]),
      WAPGATE_MMSC_PORT: String(ports[8002]),
      WAPGATE_MMSC_STORE_DIR: join(work, 'store'),
      WAPGATE_ADMIN_PORT: '0',
    };
    const move = (line: string) =>
      shellWords(
        line
          .replace(/:9201\b/g, `:${ports[9201]}`)
          .replace(/:8002\b/g, `:${ports[8002]}`)
          .replace(/--push-port 2948\b/g, `--push-port ${ports[2948]}`)
          .replace(/\/tmp\/alice/g, join(work, 'alice')),
      ).map((w) => (w === 'npx' ? '' : w === 'wapgate' ? BIN : w)).filter(Boolean);

    const procs: ChildProcess[] = [];
    const outputs: string[] = [];
    const launch = (argv: string[], cwd: string): { proc: ChildProcess; out: () => string; exit: Promise<number> } => {
      const proc = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      procs.push(proc);
      const i = outputs.push('') - 1;
      proc.stdout!.on('data', (d: Buffer) => (outputs[i] += d.toString()));
      proc.stderr!.on('data', (d: Buffer) => (outputs[i] += d.toString()));
      return { proc, out: () => outputs[i]!, exit: new Promise((r) => proc.on('exit', (c) => r(c ?? 1))) };
    };
    try {
      const serve = launch(['npm', 'start', '--silent'], inst.pkg);
      for (let i = 0; i < 300 && !serve.out().includes('wapgate ready'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(serve.out()).toContain('wapgate ready');

      const alice = launch(move(cmds[1]!), work);
      for (let i = 0; i < 100 && !alice.out().includes('listening'); i++) await new Promise((r) => setTimeout(r, 100));
      const bob = launch(move(cmds[2]!), work);
      expect(await bob.exit, bob.out()).toBe(0);
      expect(bob.out()).toMatch(/X-Mms-Response-Status Ok/);
      expect(await alice.exit, alice.out() + serve.out()).toBe(0);
      const note = JSON.parse(alice.out().split('\n').find((l) => l.startsWith('{'))!) as Record<string, unknown>;
      expect(note).toMatchObject({ type: 'm-notification-ind', from: '+15550000001/TYPE=PLMN', subject: 'Hello', status: 'Retrieved' });
      expect(readFileSync(join(work, 'alice', 'picture.jpg')).equals(readFileSync(join(work, 'picture.jpg')))).toBe(true);
      expect(readFileSync(join(work, 'alice', 'note.txt'), 'utf8')).toBe('Hello Alice\n');
    } finally {
      // Each command runs in its own process group (npm start's child included): stop the whole group.
      for (const p of procs) if (p.exitCode === null && p.pid) process.kill(-p.pid, 'SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 90_000);
});
