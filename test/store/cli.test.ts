/** `wapgate store check|compact` as a process, on a sound, a corrupted and a locked store. */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore, type RoomDefinition } from '../../src/store/index.ts';
import { SOURCE_CLI } from '../support/cli.ts';
import { tempDir } from '../support/tools.ts';

const ROOM: RoomDefinition = { name: 'demo', migrations: [{ description: 'items', up: (db) => db.exec('CREATE TABLE demo_items (id INTEGER PRIMARY KEY, v TEXT NOT NULL)') }] };

function cli(...args: string[]) {
  return spawnSync(process.execPath, [...SOURCE_CLI, 'store', ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, WAPGATE_STORE_DIR: '' } });
}

function filled(): string {
  const path = join(tempDir('wapgate-store-cli-'), 'wapgate.db');
  const s = openStore({ path });
  s.room(ROOM);
  const ins = s.db.prepare('INSERT INTO demo_items (v) VALUES (?)');
  s.transaction(() => {
    for (let i = 0; i < 3000; i++) ins.run('x'.repeat(200));
  });
  s.db.prepare('DELETE FROM demo_items WHERE id % 2 = 0').run();
  s.close();
  return path;
}

describe('wapgate store', () => {
  it('check: a sound store, its rooms and rows; --json', () => {
    const path = filled();
    const r = cli('check', '--file', path);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`${path}: ok`);
    expect(r.stdout).toContain('room demo: schema version 1');
    expect(r.stdout).toContain('demo_items: 1500 row(s)');
    const j = JSON.parse(cli('check', '--file', path, '--json').stdout) as { ok: boolean; tables: Record<string, number> };
    expect(j.ok).toBe(true);
    expect(j.tables.demo_items).toBe(1500);
  });

  it('compact: the file shrinks, the rows stay', () => {
    const path = filled();
    const r = cli('compact', '--file', path);
    expect(r.status).toBe(0);
    const [before, after] = [...r.stdout.matchAll(/([\d.]+) MiB/g)].map((m) => Number(m[1]));
    expect(after!).toBeLessThan(before!);
    expect(cli('check', '--file', path).stdout).toContain('demo_items: 1500 row(s)');
  });

  it('check: a corrupted store lists its problems and exits 1; a missing or locked one exits 1 with a reason', () => {
    const path = filled();
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(600, 0xff), 0, 600, 4096 * 5 + 200);
    closeSync(fd);
    const r = cli('check', '--file', path);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/problem\(s\)/);
    expect(r.stdout).toContain('PROBLEM:');
    const missing = cli('check', '--file', join(tempDir('wapgate-store-cli-'), 'nope.db'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/does not exist/);
    const other = filled();
    const held = openStore({ path: other });
    try {
      const locked = cli('check', '--file', other);
      expect(locked.status).toBe(1);
      expect(locked.stderr).toMatch(/locked by another process.*stop it first/);
    } finally {
      held.close();
    }
  });
});
