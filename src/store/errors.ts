/**
 * The store's error family: one class with a stable `code`, a message that says what to do, the file it is
 * about. SQLite's own errors (better-sqlite3 SqliteError, node:fs errors) are mapped through `storeError` so an
 * operator reads "disk full while writing /var/lib/wapgate/wapgate.db", never "SQLITE_FULL".
 */

export type StoreErrorCode =
  /** The file is not a wapgate store (another SQLite database, or not SQLite at all). */
  | 'STORE_NOT_A_STORE'
  /** The file fails SQLite's integrity check, or SQLite reports corruption while it is used. */
  | 'STORE_CORRUPT'
  /** The file (or one of its rooms) was written by a newer wapgate than this one. */
  | 'STORE_TOO_NEW'
  /** A room's migration failed; the file is left at the version it had. */
  | 'STORE_MIGRATION_FAILED'
  /** The file or its directory cannot be written (read-only file system, permissions). */
  | 'STORE_READ_ONLY'
  /** No space left on the device (or the file reached its size limit). */
  | 'STORE_FULL'
  /** Another running process holds the store. */
  | 'STORE_LOCKED'
  /** Any other I/O failure. */
  | 'STORE_IO';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** The store file this is about. */
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The SQLite result code (better-sqlite3 SqliteError.code, e.g. 'SQLITE_FULL', 'SQLITE_IOERR_WRITE') or errno. */
function codeOf(e: unknown): string {
  const c = (e as { code?: unknown })?.code;
  return typeof c === 'string' ? c : '';
}

/** Maps an error met while `doing` something with the store at `path` to a StoreError (StoreErrors pass through). */
export function storeError(e: unknown, path: string, doing: string): StoreError {
  if (e instanceof StoreError) return e;
  const code = codeOf(e);
  const detail = (e as Error)?.message ?? String(e);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_IOERR_WRITE' && /space/i.test(detail)) {
    return new StoreError('STORE_FULL', `disk full while ${doing} ${path}: ${detail} — free space on that file system; nothing acknowledged so far is lost`, path, { cause: e });
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM') {
    return new StoreError('STORE_READ_ONLY', `cannot write ${path} while ${doing} (${code}: ${detail}) — the file and its directory must be writable by this user (SQLite creates -wal and -shm files beside it)`, path, { cause: e });
  }
  if (code === 'SQLITE_NOTADB') {
    return new StoreError('STORE_NOT_A_STORE', `${path} is not an SQLite database (${detail}) — refusing to use it; move it aside or point store.path elsewhere`, path, { cause: e });
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return new StoreError('STORE_CORRUPT', `${path} is corrupted (${detail}) — refusing to use it; run 'wapgate store check', restore a backup or move the file aside`, path, { cause: e });
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code.startsWith('SQLITE_BUSY')) {
    return new StoreError('STORE_LOCKED', `${path} is locked by another process while ${doing} (${detail})`, path, { cause: e });
  }
  return new StoreError('STORE_IO', `store ${path}: ${doing} failed: ${detail}`, path, { cause: e });
}
