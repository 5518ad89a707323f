/**
 * wapgate's durable state: one SQLite file (better-sqlite3, WAL) under the state directory, shared by the rooms
 * that must not lose what they acknowledged — the PPG queue (src/push), the reference MMSC's messages (src/mmsc),
 * the Kannel sendsms queue and its DLR correlations (src/smsbox).
 *
 * HOW A ROOM KEEPS ITS TABLES HERE
 *   1. Declare the room once, next to the code that uses it:
 *        export const SENDSMS_ROOM: RoomDefinition = {
 *          name: 'sendsms',                       // [a-z][a-z0-9_]*; prefix every table/index with it: sendsms_*
 *          migrations: [
 *            { description: 'queue and DLR correlations', up: (db) => db.exec(`CREATE TABLE sendsms_queue (...);`) },
 *            // v2 … append; never edit or reorder a migration that was released (files in the field ran it)
 *          ],
 *        };
 *   2. At start: `store.room(SENDSMS_ROOM)` runs the migrations the file lacks (all in one transaction) and
 *      refuses (StoreError STORE_TOO_NEW) a file whose room is newer than the code. Then prepare the room's
 *      statements once (`store.db.prepare(...)`), keep them, and run them inside transactions.
 *   3. Every state change is a transaction: `store.transaction(() => { ... })` for a synchronous one, or, on a
 *      hot path where many requests change state in the same event-loop turn, `store.commits.write(fn)` (see
 *      group-commit.ts): the writes of one turn share one transaction and one fsync, and each caller's promise
 *      resolves once its write is durable — answer your client after that, not before.
 *   4. Nothing outside a room reads its tables; other rooms go through the room's own interface.
 *
 * DURABILITY. journal_mode=WAL and synchronous=FULL by default: a transaction is on the platter (the WAL is
 * fsynced) before commit returns, so what was acknowledged after a commit survives a process kill AND a power
 * cut or kernel crash. synchronous=NORMAL (store.synchronous: normal) skips that fsync: still never corrupt,
 * still safe against a process kill, but the last transactions before a power cut can roll back — not what
 * "acknowledged = durable" means, so it is an explicit opt-in. The price of FULL (~0.3 ms per commit on this
 * machine) is paid once per event-loop turn by group commit, not once per request.
 *
 * ONE PROCESS PER FILE. locking_mode=EXCLUSIVE: the first write takes SQLite's lock for the life of the
 * connection (released by the kernel if the process dies), so a second wapgate on the same file is refused at
 * open instead of both delivering the same queue; the WAL index lives in the process's memory (no -shm file).
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { GroupCommit } from './group-commit.ts';
import { StoreError, storeError } from './errors.ts';

/** PRAGMA application_id of a wapgate store ('WAPG'). */
export const STORE_APPLICATION_ID = 0x57415047;
/** PRAGMA user_version: the layout of the store's own bookkeeping (the store_rooms table). */
export const STORE_FORMAT = 1;

export type Db = Database.Database;

export interface Migration {
  /** One line: what this version adds (shown by `wapgate store check`). */
  description: string;
  /** Runs inside the room's migration transaction; throw to refuse (the file stays as it was). */
  up(db: Db): void;
}

export interface RoomDefinition {
  /** [a-z][a-z0-9_]{0,31}; the room's tables and indexes are named `<name>_…`. */
  name: string;
  /** migrations[i] takes the room from version i to i + 1; the room's current version is migrations.length. */
  migrations: readonly Migration[];
}

export interface StoreOptions {
  /** The store file (its directory is created if missing). */
  path: string;
  /** 'full' (default): a commit survives a power cut; 'normal': a process kill only (see above). */
  synchronous?: 'full' | 'normal';
  /** Integrity check at open: 'quick' (default, PRAGMA quick_check), 'full' (integrity_check) or 'off'. */
  check?: 'quick' | 'full' | 'off';
  /** Create the file when it does not exist (default true; `wapgate store check` opens existing files only). */
  create?: boolean;
  /** Called when a deferred group-commit write fails (logged by the owner; the error is a StoreError). */
  onError?: (err: StoreError) => void;
}

const ROOM_NAME = /^[a-z][a-z0-9_]{0,31}$/;

export interface RoomInfo {
  room: string;
  version: number;
  updatedAt: number;
}

export interface CheckReport {
  ok: boolean;
  /** integrity_check / quick_check lines other than 'ok', and foreign key violations. */
  problems: string[];
  rooms: RoomInfo[];
  format: number;
  pageSize: number;
  pages: number;
  freePages: number;
  walBytes: number;
}

export class Store {
  readonly path: string;
  readonly db: Db;
  /** Group commit for hot paths: writes queued in one event-loop turn share a transaction and an fsync. */
  readonly commits: GroupCommit;
  private readonly rooms = new Map<string, number>();
  private closed = false;

  private constructor(path: string, db: Db, onError: StoreOptions['onError']) {
    this.path = path;
    this.db = db;
    this.commits = new GroupCommit(db, path, onError);
  }

  /**
   * Opens (creating if allowed) the store: refuses a file that is not a wapgate store, is corrupted, was written
   * by a newer wapgate, or is held by another process — each with a StoreError naming the file and what to do.
   */
  static open(o: StoreOptions): Store {
    const path = resolve(o.path);
    const create = o.create ?? true;
    const exists = fileSize(path) !== undefined;
    if (!exists && !create) throw new StoreError('STORE_IO', `${path} does not exist`, path);
    const dir = dirname(path);
    try {
      if (!exists) mkdirSync(dir, { recursive: true });
      // SQLite creates <file>-wal (and journals) beside the file: the directory must be writable too.
      accessSync(dir, constants.W_OK);
      if (exists) accessSync(path, constants.R_OK | constants.W_OK);
    } catch (e) {
      throw storeError(e, path, 'opening');
    }
    let db: Db;
    try {
      db = new Database(path, { timeout: 200 });
    } catch (e) {
      throw storeError(e, path, 'opening');
    }
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      initialise(db, path, o);
      const store = new Store(path, db, o.onError);
      for (const r of store.roomInfo()) store.rooms.set(r.room, r.version);
      return store;
    } catch (e) {
      try {
        db.close();
      } catch {
        /* the error that matters is the one below */
      }
      throw storeError(e, path, 'opening');
    }
  }

  /**
   * Brings a room's tables to the version its code declares (migrations the file lacks run in one transaction);
   * refuses a room the file holds at a newer version. Returns the room's version.
   */
  room(def: RoomDefinition): number {
    this.live();
    if (!ROOM_NAME.test(def.name)) throw new Error(`store room name '${def.name}' must match ${ROOM_NAME}`);
    const want = def.migrations.length;
    const have = this.rooms.get(def.name) ?? 0;
    if (have > want) {
      throw new StoreError(
        'STORE_TOO_NEW',
        `${this.path}: room '${def.name}' is at schema version ${have}, this wapgate knows versions up to ${want} — ` +
          `the file was written by a newer wapgate; run that version, or restore a backup taken before the upgrade`,
        this.path,
      );
    }
    if (have === want) return want;
    const setVersion = this.db.prepare('INSERT INTO store_rooms (room, version, updated_at) VALUES (?, ?, ?) ON CONFLICT(room) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at');
    try {
      this.db.transaction(() => {
        for (let v = have; v < want; v++) def.migrations[v]!.up(this.db);
        setVersion.run(def.name, want, Date.now());
      }).immediate();
    } catch (e) {
      const mapped = storeError(e, this.path, `migrating room '${def.name}'`);
      if (mapped.code !== 'STORE_IO') throw mapped;
      throw new StoreError('STORE_MIGRATION_FAILED', `${this.path}: room '${def.name}' could not be migrated from version ${have} to ${want} (left at ${have}): ${(e as Error).message}`, this.path, { cause: e });
    }
    this.rooms.set(def.name, want);
    return want;
  }

  /** Runs fn in one transaction (BEGIN IMMEDIATE); errors come out as StoreErrors. Synchronous: no await inside. */
  transaction<T>(fn: () => T): T {
    this.live();
    try {
      return this.db.transaction(fn).immediate();
    } catch (e) {
      throw isStoreFailure(e) ? storeError(e, this.path, 'writing') : e;
    }
  }

  roomInfo(): RoomInfo[] {
    return (this.db.prepare('SELECT room, version, updated_at AS updatedAt FROM store_rooms ORDER BY room').all() as RoomInfo[]).map((r) => ({ ...r }));
  }

  /** SQLite's integrity check (full: integrity_check, else quick_check), foreign keys, sizes and room versions. */
  check(full = true): CheckReport {
    this.live();
    const lines = (this.db.pragma(full ? 'integrity_check' : 'quick_check') as Record<string, string>[]).map((r) => String(Object.values(r)[0]));
    const problems = lines.filter((l) => l !== 'ok');
    for (const fk of this.db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[]) {
      problems.push(`foreign key: ${fk.table} row ${fk.rowid} points to a missing ${fk.parent} row`);
    }
    return {
      ok: problems.length === 0,
      problems,
      rooms: this.roomInfo(),
      format: this.db.pragma('user_version', { simple: true }) as number,
      pageSize: this.db.pragma('page_size', { simple: true }) as number,
      pages: this.db.pragma('page_count', { simple: true }) as number,
      freePages: this.db.pragma('freelist_count', { simple: true }) as number,
      walBytes: fileSize(`${this.path}-wal`) ?? 0,
    };
  }

  /** Folds the WAL into the file and rebuilds it without free pages (VACUUM); returns the sizes around it. */
  compact(): { before: number; after: number } {
    this.live();
    this.commits.flushSync();
    const size = () => (fileSize(this.path) ?? 0) + (fileSize(`${this.path}-wal`) ?? 0);
    const before = size();
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.exec('VACUUM');
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (e) {
      throw storeError(e, this.path, 'compacting');
    }
    return { before, after: size() };
  }

  /** Hands free pages back to the file system a little at a time (auto_vacuum=INCREMENTAL), e.g. after a purge. */
  releaseFreePages(maxPages = 256): void {
    this.live();
    try {
      this.db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(maxPages))})`);
    } catch (e) {
      throw storeError(e, this.path, 'vacuuming');
    }
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Commits what is queued, then closes (SQLite checkpoints the WAL into the file on the last close). */
  close(): void {
    if (this.closed) return;
    try {
      this.commits.flushSync();
    } finally {
      this.closed = true;
      this.commits.close();
      this.db.close();
    }
  }

  private live(): void {
    if (this.closed) throw new StoreError('STORE_IO', `store ${this.path} is closed`, this.path);
  }
}

/** Opens a store (see Store.open). */
export function openStore(o: StoreOptions): Store {
  return Store.open(o);
}

function fileSize(p: string): number | undefined {
  try {
    return statSync(p).size;
  } catch {
    return undefined;
  }
}

/** Errors that come from SQLite or the file system (others, e.g. a bug in a caller's function, pass as they are). */
export function isStoreFailure(e: unknown): boolean {
  const c = (e as { code?: unknown })?.code;
  return e instanceof StoreError || (typeof c === 'string' && (c.startsWith('SQLITE_') || /^E[A-Z]+$/.test(c)));
}

function initialise(db: Db, path: string, o: StoreOptions): void {
  // The first statement reads the header: SQLITE_NOTADB here for a file that is not SQLite.
  const appId = db.pragma('application_id', { simple: true }) as number;
  const tables = db.prepare("SELECT count(*) AS n FROM sqlite_schema").get() as { n: number };
  const fresh = appId === 0 && tables.n === 0;
  if (!fresh && appId !== STORE_APPLICATION_ID) {
    throw new StoreError('STORE_NOT_A_STORE', `${path} is an SQLite database but not a wapgate store (application_id ${appId}) — refusing to use it; point store.path elsewhere`, path);
  }
  if (!fresh) {
    const format = db.pragma('user_version', { simple: true }) as number;
    if (format > STORE_FORMAT) {
      throw new StoreError('STORE_TOO_NEW', `${path} has store format ${format}, this wapgate knows up to ${STORE_FORMAT} — written by a newer wapgate; run that version, or restore a backup taken before the upgrade`, path);
    }
    // Corruption is refused before anything is written, so nothing is "repaired" into an empty store.
    if ((o.check ?? 'quick') !== 'off') {
      const lines = (db.pragma(o.check === 'full' ? 'integrity_check' : 'quick_check') as Record<string, string>[]).map((r) => String(Object.values(r)[0]));
      if (lines.length !== 1 || lines[0] !== 'ok') {
        throw new StoreError('STORE_CORRUPT', `${path} fails SQLite's integrity check (${summarise(lines)}) — refusing to start on it; restore a backup or move the file aside (nothing was changed; 'wapgate store check' lists every problem)`, path);
      }
    }
  } else {
    // Only possible before the first table: lets deletes (MMSC purge) give pages back without a full VACUUM.
    db.pragma('auto_vacuum = INCREMENTAL');
  }
  const mode = db.pragma('journal_mode = WAL', { simple: true }) as string;
  if (String(mode).toLowerCase() !== 'wal') throw new StoreError('STORE_IO', `${path}: the file system refused WAL mode (journal_mode stays ${mode})`, path);
  db.pragma(`synchronous = ${o.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.pragma('foreign_keys = ON');
  // This write takes the exclusive lock (and fails with SQLITE_BUSY when another process holds the file).
  db.transaction(() => {
    if (fresh) {
      db.pragma(`application_id = ${STORE_APPLICATION_ID}`);
      db.pragma(`user_version = ${STORE_FORMAT}`);
    }
    db.exec('CREATE TABLE IF NOT EXISTS store_rooms (room TEXT PRIMARY KEY, version INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT');
  }).immediate();
}

/** The first problems of an integrity check on one line, bounded. */
function summarise(lines: string[]): string {
  const all = lines.join('; ').replace(/\*\*\* in database main \*\*\*\s*/g, '').replace(/\s+/g, ' ').trim();
  return all.length > 240 ? `${all.slice(0, 240)}…` : all;
}
