import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, STORE_FORMAT, StoreError, type RoomDefinition, type Store } from '../../src/store/index.ts';
import { tempDir } from '../support/tools.ts';

const open: Store[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
function track(s: Store): Store {
  open.push(s);
  return s;
}

const ROOM_V1: RoomDefinition = {
  name: 'demo',
  migrations: [{ description: 'items', up: (db) => db.exec('CREATE TABLE demo_items (id INTEGER PRIMARY KEY, v TEXT NOT NULL) STRICT') }],
};
const ROOM_V2: RoomDefinition = {
  name: 'demo',
  migrations: [...ROOM_V1.migrations, { description: 'a column', up: (db) => db.exec("ALTER TABLE demo_items ADD COLUMN w TEXT NOT NULL DEFAULT 'x'") }],
};

function sha(p: string): string {
  return createHash('sha256').update(readFileSync(p)).digest('hex');
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StoreError);
    return (e as StoreError).code;
  }
  return undefined;
}

describe('store: opening, versions, refusals', () => {
  it('creates a WAL file with synchronous=FULL, its identity and the room bookkeeping', () => {
    const path = join(tempDir('wapgate-store-'), 'state', 'wapgate.db');
    const s = track(openStore({ path }));
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(s.db.pragma('auto_vacuum', { simple: true })).toBe(2); // INCREMENTAL
    expect(s.check().format).toBe(STORE_FORMAT);
    expect(s.check().ok).toBe(true);
  });

  it('runs a room\'s migrations once, the new ones on a later open, and refuses a newer room', () => {
    const path = join(tempDir('wapgate-store-'), 'wapgate.db');
    let s = openStore({ path });
    expect(s.room(ROOM_V1)).toBe(1);
    s.db.prepare('INSERT INTO demo_items (v) VALUES (?)').run('kept');
    s.close();
    s = openStore({ path });
    expect(s.room(ROOM_V2)).toBe(2);
    expect(s.db.prepare('SELECT v, w FROM demo_items').get()).toEqual({ v: 'kept', w: 'x' });
    expect(s.roomInfo().map((r) => [r.room, r.version])).toEqual([['demo', 2]]);
    s.close();
    s = track(openStore({ path }));
    let err: StoreError | undefined;
    try {
      s.room(ROOM_V1);
    } catch (e) {
      err = e as StoreError;
    }
    expect(err?.code).toBe('STORE_TOO_NEW');
    expect(err?.message).toMatch(/room 'demo' is at schema version 2, this wapgate knows versions up to 1/);
  });

  it('a failing migration leaves the room at its version', () => {
    const path = join(tempDir('wapgate-store-'), 'wapgate.db');
    const s = track(openStore({ path }));
    s.room(ROOM_V1);
    const bad: RoomDefinition = { name: 'demo', migrations: [...ROOM_V1.migrations, { description: 'broken', up: (db) => db.exec('ALTER TABLE demo_items ADD COLUMN w TEXT; CREATE TABLE nonsense (') }] };
    expect(codeOf(() => s.room(bad))).toBe('STORE_MIGRATION_FAILED');
    expect(s.roomInfo()[0]!.version).toBe(1);
    expect((s.db.prepare("SELECT count(*) AS n FROM pragma_table_info('demo_items') WHERE name = 'w'").get() as { n: number }).n).toBe(0);
  });

  it('refuses a file of a newer store format, another SQLite database, and a file that is not SQLite — each unchanged', () => {
    const dir = tempDir('wapgate-store-');
    const newer = join(dir, 'newer.db');
    openStore({ path: newer }).close();
    const raw = new Database(newer);
    raw.pragma(`user_version = ${STORE_FORMAT + 1}`);
    raw.close();
    const before = sha(newer);
    expect(codeOf(() => openStore({ path: newer }))).toBe('STORE_TOO_NEW');
    expect(sha(newer)).toBe(before);

    const other = join(dir, 'other.db');
    const o = new Database(other);
    o.exec('CREATE TABLE users (id INTEGER)');
    o.close();
    expect(codeOf(() => openStore({ path: other }))).toBe('STORE_NOT_A_STORE');

    const junk = join(dir, 'junk.db');
    writeFileSync(junk, Buffer.alloc(8192, 0x41));
    const junkHash = sha(junk);
    expect(codeOf(() => openStore({ path: junk }))).toBe('STORE_NOT_A_STORE');
    expect(sha(junk)).toBe(junkHash);
  });

  it('refuses a corrupted file at open and leaves it as it was (never emptied)', () => {
    const path = join(tempDir('wapgate-store-'), 'wapgate.db');
    const s = openStore({ path });
    s.room(ROOM_V1);
    const ins = s.db.prepare('INSERT INTO demo_items (v) VALUES (?)');
    s.transaction(() => {
      for (let i = 0; i < 2000; i++) ins.run(`row ${i} ${'x'.repeat(100)}`);
    });
    s.close(); // checkpointed into the file
    // Overwrite the middle of a table page (not the header): SQLite reads the file, the check finds the damage.
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(600, 0xff), 0, 600, 4096 * 5 + 200);
    closeSync(fd);
    const before = sha(path);
    let err: StoreError | undefined;
    try {
      openStore({ path });
    } catch (e) {
      err = e as StoreError;
    }
    expect(err?.code).toBe('STORE_CORRUPT');
    expect(err?.message).toMatch(/integrity check.*refusing to start/);
    expect(sha(path)).toBe(before);
  });

  it('a second process (or connection) on the same file is refused while the first runs', () => {
    const path = join(tempDir('wapgate-store-'), 'wapgate.db');
    const s = track(openStore({ path }));
    s.room(ROOM_V1);
    expect(codeOf(() => openStore({ path }))).toBe('STORE_LOCKED');
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', `
      import { openStore } from ${JSON.stringify(join(import.meta.dirname, '../../src/store/index.ts'))};
      try { openStore({ path: ${JSON.stringify(path)} }); console.log('opened'); } catch (e) { console.log(e.code); }
    `], { encoding: 'utf8', timeout: 20_000 });
    expect(child.stdout.trim()).toBe('STORE_LOCKED');
  });

  it('disk full: the write fails with STORE_FULL, earlier commits stay, later ones work once there is room', async () => {
    const path = join(tempDir('wapgate-store-'), 'wapgate.db');
    const s = track(openStore({ path }));
    s.room(ROOM_V1);
    const ins = s.db.prepare('INSERT INTO demo_items (v) VALUES (?)');
    await s.commits.write(() => ins.run('before'));
    const pages = s.db.pragma('page_count', { simple: true }) as number;
    s.db.pragma(`max_page_count = ${pages + 1}`);
    const big = 'y'.repeat(20_000);
    const results = await Promise.allSettled([s.commits.write(() => ins.run(big)), s.commits.write(() => ins.run('small'))]);
    expect(results[0].status).toBe('rejected');
    expect(((results[0] as PromiseRejectedResult).reason as StoreError).code).toBe('STORE_FULL');
    expect((results[0] as PromiseRejectedResult).reason.message).toMatch(/disk full/);
    expect(results[1].status).toBe('fulfilled'); // failed alone
    s.db.pragma('max_page_count = 1000000');
    await s.commits.write(() => ins.run(big));
    expect((s.db.prepare('SELECT count(*) AS n FROM demo_items').get() as { n: number }).n).toBe(3);
  });

  it.skipIf(spawnSync('chattr', ['--help']).error !== undefined)('a directory that cannot be written: STORE_READ_ONLY at open', () => {
    const dir = join(tempDir('wapgate-store-'), 'ro');
    mkdirSync(dir);
    // Root ignores permission bits; an immutable directory refuses new files even to root (ext4/xfs).
    const r = spawnSync('chattr', ['+i', dir]);
    if (r.status !== 0) return;
    try {
      expect(codeOf(() => openStore({ path: join(dir, 'wapgate.db') }))).toBe('STORE_READ_ONLY');
    } finally {
      spawnSync('chattr', ['-i', dir]);
    }
  });
});

describe('store: group commit', () => {
  it('writes of one event-loop turn share one transaction; each resolves with its result', async () => {
    const path = join(tempDir('wapgate-store-'), 'wapgate.db');
    const s = track(openStore({ path }));
    s.room(ROOM_V1);
    const ins = s.db.prepare('INSERT INTO demo_items (v) VALUES (?)');
    const before = s.commits.stats.batches;
    const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => s.commits.write(() => Number(ins.run(`v${i}`).lastInsertRowid))));
    expect(s.commits.stats.batches - before).toBe(1);
    expect(new Set(ids).size).toBe(50);
  });

  it('a write that throws fails alone; the others of its batch commit', async () => {
    const path = join(tempDir('wapgate-store-'), 'wapgate.db');
    const errors: unknown[] = [];
    const s = track(openStore({ path, onError: (e) => errors.push(e) }));
    s.room(ROOM_V1);
    const ins = s.db.prepare('INSERT INTO demo_items (id, v) VALUES (?, ?)');
    const r = await Promise.allSettled([s.commits.write(() => ins.run(1, 'a')), s.commits.write(() => ins.run(1, 'dup')), s.commits.write(() => ins.run(2, 'b'))]);
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    s.commits.defer(() => ins.run(2, 'dup again'));
    await s.commits.flush();
    expect(errors).toHaveLength(1);
    expect(s.db.prepare('SELECT v FROM demo_items ORDER BY id').all()).toEqual([{ v: 'a' }, { v: 'b' }]);
  });

  it('every write acknowledged before a SIGKILL is in the file after it', async () => {
    const path = join(tempDir('wapgate-store-'), 'wapgate.db');
    const src = join(import.meta.dirname, '../../src/store/index.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', `
      import { openStore } from ${JSON.stringify(src)};
      const s = openStore({ path: ${JSON.stringify(path)} });
      s.room({ name: 'demo', migrations: [{ description: 'items', up: (db) => db.exec('CREATE TABLE demo_items (id INTEGER PRIMARY KEY, v TEXT NOT NULL) STRICT') }] });
      const ins = s.db.prepare('INSERT INTO demo_items (id, v) VALUES (?, ?)');
      let n = 0;
      const tick = () => { for (let i = 0; i < 20; i++) { const id = ++n; s.commits.write(() => ins.run(id, 'v'.repeat(200))).then(() => process.stdout.write(id + '\\n')); } setImmediate(tick); };
      tick();
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked: number[] = [];
    let buf = '';
    await new Promise<void>((resolve) => {
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) acked.push(Number(l));
        if (acked.length >= 3000) resolve();
      });
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(acked.length).toBeGreaterThanOrEqual(3000);
    const s = track(openStore({ path }));
    const ids = new Set((s.db.prepare('SELECT id FROM demo_items').all() as { id: number }[]).map((r) => r.id));
    const lost = acked.filter((id) => !ids.has(id));
    expect(lost).toEqual([]);
  }, 30_000);
});
