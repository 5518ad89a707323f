/**
 * The PPG queue in the store (src/store): room 'ppg', one row per push (its fixed part as JSON, the content as a
 * BLOB) and one row per target (its state, a claim while an attempt runs, whether a result notification is
 * still owed). Every write goes through the store's group commit, so the pushes and state changes of one
 * event-loop turn share one transaction and one fsync; insert() and claim() resolve once theirs is durable.
 */
import type { Statement } from 'better-sqlite3';
import type { RoomDefinition, Store } from '../store/index.ts';
import { parsePushAddress } from './address.ts';
import type { PushQueue, RecoveredQueue } from './queue.ts';
import type { Bearer, NewPushRecord, PushRecord, Target } from './store.ts';

export const PPG_ROOM: RoomDefinition = {
  name: 'ppg',
  migrations: [
    {
      description: 'pushes (fixed part and content) and their targets (state, claim, notification owed)',
      up: (db) =>
        db.exec(`
          CREATE TABLE ppg_push (
            push_id TEXT NOT NULL UNIQUE,
            meta TEXT NOT NULL,
            body BLOB NOT NULL
          ) STRICT;
          CREATE TABLE ppg_target (
            push_id TEXT NOT NULL REFERENCES ppg_push (push_id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            address TEXT NOT NULL,
            state TEXT NOT NULL,
            code INTEGER NOT NULL,
            desc TEXT,
            event_time INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            not_before INTEGER NOT NULL,
            bearer TEXT,
            receipts TEXT,
            last_error TEXT,
            notify_owed INTEGER NOT NULL DEFAULT 0,
            claimed_by TEXT,
            claimed_at INTEGER,
            PRIMARY KEY (push_id, idx)
          ) STRICT, WITHOUT ROWID;
        `),
    },
  ],
};

/** The fixed part of a push, as stored in ppg_push.meta. */
type Meta = Omit<PushRecord, 'pushId' | 'targets' | 'seq' | 'content'> & { content: Omit<PushRecord['content'], 'body'> };

interface TargetRow {
  push_id: string;
  idx: number;
  address: string;
  state: Target['state'];
  code: number;
  desc: string | null;
  event_time: number;
  attempts: number;
  not_before: number;
  bearer: string | null;
  receipts: string | null;
  last_error: string | null;
  notify_owed: number;
  claimed_by: string | null;
}

export class SqlitePushQueue implements PushQueue {
  readonly durable = true;
  private readonly insPush: Statement;
  private readonly insTarget: Statement;
  private readonly claimStmt: Statement;
  private readonly updateStmt: Statement;
  private readonly removeStmt: Statement;
  /** Records inserted by this process: true stored, false refused (their claims, later in a batch, then fail). */
  private readonly inserted = new WeakMap<PushRecord, boolean>();

  constructor(
    private readonly store: Store,
    /** Who claims (one node: the default; issue 20 gives each node its own). */
    private readonly node = 'local',
  ) {
    store.room(PPG_ROOM);
    const db = store.db;
    this.insPush = db.prepare('INSERT INTO ppg_push (push_id, meta, body) VALUES (?, ?, ?) ON CONFLICT (push_id) DO NOTHING');
    this.insTarget = db.prepare(
      'INSERT INTO ppg_target (push_id, idx, address, state, code, desc, event_time, attempts, not_before, bearer, receipts, last_error, notify_owed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.claimStmt = db.prepare('UPDATE ppg_target SET claimed_by = ?, claimed_at = ?, attempts = ? WHERE push_id = ? AND idx = ?');
    this.updateStmt = db.prepare(
      'UPDATE ppg_target SET state = ?, code = ?, desc = ?, event_time = ?, attempts = ?, not_before = ?, bearer = ?, receipts = ?, last_error = ?, notify_owed = ?, claimed_by = NULL, claimed_at = NULL WHERE push_id = ? AND idx = ?',
    );
    this.removeStmt = db.prepare('DELETE FROM ppg_push WHERE push_id = ?');
  }

  recover(): Promise<RecoveredQueue> {
    const db = this.store.db;
    const inFlight: RecoveredQueue['inFlight'] = [];
    const records = this.store.transaction(() => {
      const byId = new Map<string, NewPushRecord>();
      const out: NewPushRecord[] = [];
      for (const row of db.prepare('SELECT push_id, meta, body FROM ppg_push ORDER BY rowid').iterate() as IterableIterator<{ push_id: string; meta: string; body: Buffer }>) {
        const meta = JSON.parse(row.meta) as Meta;
        const rec: NewPushRecord = { ...meta, pushId: row.push_id, content: { ...meta.content, body: row.body }, targets: [] };
        byId.set(row.push_id, rec);
        out.push(rec);
      }
      for (const r of db.prepare('SELECT * FROM ppg_target ORDER BY push_id, idx').iterate() as IterableIterator<TargetRow>) {
        const rec = byId.get(r.push_id);
        if (!rec) continue;
        if (r.claimed_by !== null && !['delivered', 'undeliverable', 'expired', 'aborted', 'timeout', 'cancelled'].includes(r.state)) {
          inFlight.push({ pushId: r.push_id, index: r.idx });
        }
        rec.targets[r.idx] = targetOf(r);
      }
      // Claims of the run that stopped: nobody holds them now.
      db.prepare('UPDATE ppg_target SET claimed_by = NULL, claimed_at = NULL WHERE claimed_by IS NOT NULL').run();
      return out.filter((rec) => rec.targets.length > 0 && rec.targets.every((t) => t !== undefined));
    });
    return Promise.resolve({ records, inFlight });
  }

  insert(rec: PushRecord): Promise<boolean> {
    const { pushId, targets, seq: _seq, content, ...fixed } = rec;
    const { body, ...contentMeta } = content;
    const meta: Meta = { ...fixed, content: contentMeta };
    const metaJson = JSON.stringify(meta);
    return this.store.commits.write(() => {
      const stored = this.insPush.run(pushId, metaJson, body).changes === 1;
      this.inserted.set(rec, stored);
      if (stored) for (const t of targets) this.insTarget.run(pushId, t.index, t.address.raw, ...stateOf(t));
      return stored;
    });
  }

  claim(rec: PushRecord, t: Target): Promise<boolean> {
    const at = Date.now();
    const attempts = t.attempts;
    // (a claim queued with its push's insert, in the same transaction, must not touch the row of another push
    // that already held the push-id)
    return this.store.commits.write(() => this.inserted.get(rec) !== false && this.claimStmt.run(this.node, at, attempts, rec.pushId, t.index).changes === 1);
  }

  update(rec: PushRecord, t: Target): Promise<void> {
    const values = stateOf(t);
    return this.store.commits.write(() => void this.updateStmt.run(...values, rec.pushId, t.index));
  }

  remove(pushIds: readonly string[]): Promise<void> {
    if (pushIds.length === 0) return Promise.resolve();
    const ids = [...pushIds];
    return this.store.commits.write(() => {
      for (const id of ids) this.removeStmt.run(id);
    });
  }

  close(): Promise<void> {
    return this.store.commits.flush();
  }
}

/** state, code, desc, event_time, attempts, not_before, bearer, receipts, last_error, notify_owed */
function stateOf(t: Target): [string, number, string | null, number, number, number, string | null, string | null, string | null, number] {
  return [
    t.state,
    t.code,
    t.desc ?? null,
    t.eventTime,
    t.attempts,
    t.notBefore,
    t.bearer ?? null,
    t.awaitingReceipts?.size ? JSON.stringify([...t.awaitingReceipts]) : null,
    t.lastError ?? null,
    t.notifyOwed ? 1 : 0,
  ];
}

function targetOf(r: TargetRow): Omit<Target, 'index'> {
  const t: Omit<Target, 'index'> = {
    address: parsePushAddress(r.address),
    state: r.state,
    code: r.code,
    eventTime: r.event_time,
    attempts: r.attempts,
    notBefore: r.not_before,
    busy: false,
  };
  if (r.desc !== null) t.desc = r.desc;
  if (r.bearer !== null) t.bearer = r.bearer as Bearer;
  if (r.receipts !== null) t.awaitingReceipts = new Set(JSON.parse(r.receipts) as string[]);
  if (r.last_error !== null) t.lastError = r.last_error;
  if (r.notify_owed) t.notifyOwed = true;
  return t;
}
