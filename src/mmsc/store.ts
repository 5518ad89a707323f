/**
 * The reference MMSC's message store, in the durable store (src/store, room 'mmsc'): one row per message with
 * the m-retrieve-conf octets it will serve as a BLOB, one row per recipient with its delivery state.
 *
 * Content in the database, not in files beside it: a message and its index entry are one transaction, so a kill
 * at any instant leaves either the whole message (and then m-send-conf Ok may have been sent) or none of it —
 * never an index entry without its octets, never a half-written file that is served. One fsync per group commit
 * instead of file + directory + index; a backup is one file. The price is that deleted content leaves free
 * pages (handed back a little at a time after purges, or all at once by `wapgate store compact`).
 *
 * Message metadata (not content) is also held in memory for lookups by token and transaction id; every change
 * of it is written through updateRecipient()/remove(), and add() resolves only once the message is durable.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Statement } from 'better-sqlite3';
import type { EncodedString } from '../mms/index.ts';
import { openStore, type RoomDefinition, type Store } from '../store/index.ts';

/** Where a recipient's copy stands: our delivery steps, then X-Mms-Status values (OMA-MMS-ENC §7.3.54). */
export type RecipientState =
  | 'pending'
  | 'notified'
  | 'notify-failed'
  | 'Retrieved'
  | 'Deferred'
  | 'Rejected'
  | 'Unrecognised'
  | 'Indeterminate'
  | 'Forwarded'
  | 'Expired';

export interface RecipientRecord {
  /** The address as the sender wrote it (e.g. '+15550000002/TYPE=PLMN'). */
  address: string;
  /** PAP client address for the push (e.g. 'WAPPUSH=+15550000002/TYPE=PLMN@ppg'). */
  pushAddress: string;
  /** Content-location token: 128 random bits, base64url. */
  token: string;
  /** X-Mms-Transaction-Id of the m-notification-ind (and of the m-retrieve-conf we serve this recipient). */
  transactionId: string;
  state: RecipientState;
  updatedAt: number;
  notifyAttempts: number;
  retrievedAt?: number;
  reportAllowed?: boolean;
  deliveryReportSent?: boolean;
}

export interface MessageRecord {
  messageId: string;
  /** Sender address (e.g. '+15550000001/TYPE=PLMN'). */
  from: string;
  subject?: EncodedString;
  messageClass?: string;
  mmsVersion: string;
  /** Octets of the stored message (X-Mms-Message-Size in notifications). */
  size: number;
  receivedAt: number;
  expiresAt: number;
  /** X-Mms-Delivery-Time: recipients are not notified before this (ms since the epoch). */
  notBefore?: number;
  deliveryReport: boolean;
  readReport: boolean;
  senderVisible: boolean;
  /**
   * True when the stored m-retrieve-conf was built by this MMSC without a Transaction-Id: each GET then inserts the
   * recipient's. False for PDUs stored as given (served byte-identical).
   */
  generated: boolean;
  recipients: RecipientRecord[];
}

/** 128 random bits, URL-safe: the unguessable part of a content location. */
export function newToken(): string {
  return randomBytes(16).toString('base64url');
}

/** A Message-ID: time-ordered prefix plus 64 random bits. */
export function newMessageId(now: number): string {
  return `${now.toString(36)}-${randomBytes(8).toString('hex')}`;
}

const MESSAGE_ID = /^[A-Za-z0-9._-]{1,100}$/;

export const MMSC_ROOM: RoomDefinition = {
  name: 'mmsc',
  migrations: [
    {
      description: 'messages (metadata and m-retrieve-conf octets) and their recipients',
      up: (db) =>
        db.exec(`
          CREATE TABLE mmsc_message (
            message_id TEXT PRIMARY KEY,
            meta TEXT NOT NULL,
            content BLOB NOT NULL,
            expires_at INTEGER NOT NULL
          ) STRICT;
          CREATE TABLE mmsc_recipient (
            message_id TEXT NOT NULL REFERENCES mmsc_message (message_id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            token TEXT NOT NULL UNIQUE,
            transaction_id TEXT NOT NULL,
            meta TEXT NOT NULL,
            PRIMARY KEY (message_id, idx)
          ) STRICT, WITHOUT ROWID;
        `),
    },
  ],
};

/** The file a standalone MMSC keeps its messages in: <storeDir>/mmsc.db. */
export function mmscStorePath(storeDir: string): string {
  return join(storeDir, 'mmsc.db');
}

export class MessageStore {
  private readonly messages = new Map<string, MessageRecord>();
  private readonly byTokenMap = new Map<string, { message: MessageRecord; recipient: RecipientRecord }>();
  private readonly byTidMap = new Map<string, { message: MessageRecord; recipient: RecipientRecord }>();
  private readonly insMessage: Statement;
  private readonly insRecipient: Statement;
  private readonly updRecipient: Statement;
  private readonly delMessage: Statement;
  private readonly selContent: Statement;
  /** Messages removed since free pages were last handed back. */
  private removedSince = 0;

  /**
   * Uses `store` (the process's shared store) or, given a directory, opens <dir>/mmsc.db of its own (closed by
   * close()). An index.json + messages/ directory of an older wapgate in that directory is taken in once.
   */
  constructor(
    readonly store: Store,
    private readonly owned = false,
  ) {
    store.room(MMSC_ROOM);
    const db = store.db;
    this.insMessage = db.prepare('INSERT INTO mmsc_message (message_id, meta, content, expires_at) VALUES (?, ?, ?, ?)');
    this.insRecipient = db.prepare('INSERT INTO mmsc_recipient (message_id, idx, token, transaction_id, meta) VALUES (?, ?, ?, ?, ?)');
    this.updRecipient = db.prepare('UPDATE mmsc_recipient SET meta = ? WHERE message_id = ? AND idx = ?');
    this.delMessage = db.prepare('DELETE FROM mmsc_message WHERE message_id = ?');
    this.selContent = db.prepare('SELECT content FROM mmsc_message WHERE message_id = ?').pluck();
    const recipients = new Map<string, RecipientRecord[]>();
    for (const r of db.prepare('SELECT message_id, idx, meta FROM mmsc_recipient ORDER BY message_id, idx').iterate() as IterableIterator<{ message_id: string; idx: number; meta: string }>) {
      let list = recipients.get(r.message_id);
      if (!list) recipients.set(r.message_id, (list = []));
      list[r.idx] = JSON.parse(r.meta) as RecipientRecord;
    }
    for (const m of db.prepare('SELECT message_id, meta FROM mmsc_message ORDER BY rowid').iterate() as IterableIterator<{ message_id: string; meta: string }>) {
      const rec = { ...(JSON.parse(m.meta) as Omit<MessageRecord, 'recipients'>), messageId: m.message_id, recipients: recipients.get(m.message_id) ?? [] };
      this.insert(rec);
    }
  }

  /** The store of a standalone MMSC: <dir>/mmsc.db, with a legacy index.json in `dir` taken in once. */
  static openDir(dir: string, o: { synchronous?: 'full' | 'normal' } = {}): MessageStore {
    const store = openStore({ path: mmscStorePath(dir), ...o });
    try {
      const ms = new MessageStore(store, true);
      ms.importDirectory(dir);
      return ms;
    } catch (e) {
      store.close();
      throw e;
    }
  }

  /**
   * Takes in the index.json + messages/*.mms of the directory store of earlier versions (entries whose file is
   * missing are skipped, as that store did), then renames index.json to index.json.imported. Returns the count.
   */
  importDirectory(dir: string): number {
    const indexPath = join(dir, 'index.json');
    if (!existsSync(indexPath)) return 0;
    const index = JSON.parse(readFileSync(indexPath, 'utf8')) as { version?: number; messages?: MessageRecord[] };
    if (index.version !== 1 || !Array.isArray(index.messages)) throw new Error(`${indexPath}: unknown index format`);
    let n = 0;
    this.store.transaction(() => {
      for (const m of index.messages!) {
        const file = join(dir, 'messages', `${m.messageId}.mms`);
        if (!MESSAGE_ID.test(m.messageId) || this.messages.has(m.messageId) || !existsSync(file)) continue;
        this.write(m, readFileSync(file));
        this.insert(m);
        n++;
      }
    });
    renameSync(indexPath, `${indexPath}.imported`);
    return n;
  }

  private insert(m: MessageRecord): void {
    this.messages.set(m.messageId, m);
    for (const r of m.recipients) {
      this.byTokenMap.set(r.token, { message: m, recipient: r });
      this.byTidMap.set(r.transactionId, { message: m, recipient: r });
    }
  }

  private write(m: MessageRecord, content: Buffer): void {
    const { recipients, messageId, ...meta } = m;
    this.insMessage.run(messageId, JSON.stringify(meta), content, m.expiresAt);
    recipients.forEach((r, i) => this.insRecipient.run(messageId, i, r.token, r.transactionId, JSON.stringify(r)));
  }

  /** Stores a message and its recipients in one transaction; resolves once it is durable (then answer Ok). */
  async add(record: MessageRecord, content: Buffer): Promise<MessageRecord> {
    if (!MESSAGE_ID.test(record.messageId)) throw new Error(`bad message id '${record.messageId}'`);
    if (this.messages.has(record.messageId)) throw new Error(`duplicate message id '${record.messageId}'`);
    await this.store.commits.write(() => this.write(record, content));
    if (!this.messages.has(record.messageId)) this.insert(record);
    return record;
  }

  /** Writes a recipient's state (its record as it is now); resolves once durable. */
  async updateRecipient(m: MessageRecord, r: RecipientRecord): Promise<void> {
    const i = m.recipients.indexOf(r);
    if (i < 0 || !this.messages.has(m.messageId)) return;
    const json = JSON.stringify(r);
    await this.store.commits.write(() => void this.updRecipient.run(json, m.messageId, i));
  }

  /** Removes a message (content and recipients). */
  async remove(messageId: string): Promise<void> {
    const m = this.messages.get(messageId);
    if (!m) return;
    await this.store.commits.write(() => void this.delMessage.run(messageId));
    this.messages.delete(messageId);
    for (const r of m.recipients) {
      this.byTokenMap.delete(r.token);
      this.byTidMap.delete(r.transactionId);
    }
    // Hand freed pages back now and then (auto_vacuum=INCREMENTAL), not after every message.
    if (++this.removedSince >= 64) {
      this.removedSince = 0;
      try {
        this.store.releaseFreePages(1024);
      } catch {
        /* space is reclaimed by `wapgate store compact` */
      }
    }
  }

  get(messageId: string): MessageRecord | undefined {
    return this.messages.get(messageId);
  }

  list(): MessageRecord[] {
    return [...this.messages.values()];
  }

  byToken(token: string): { message: MessageRecord; recipient: RecipientRecord } | undefined {
    return this.byTokenMap.get(token);
  }

  byTransactionId(tid: string): { message: MessageRecord; recipient: RecipientRecord } | undefined {
    return this.byTidMap.get(tid);
  }

  /** The stored octets of a message (only ever a committed message: the row and its content are one write). */
  read(messageId: string): Promise<Buffer> {
    try {
      const content = this.selContent.get(messageId) as Buffer | undefined;
      return content ? Promise.resolve(content) : Promise.reject(new Error(`message ${messageId} not stored`));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Messages whose expiry has passed at `now`. */
  expired(now: number): MessageRecord[] {
    return this.list().filter((m) => m.expiresAt <= now);
  }

  /** Resolves when every write issued so far is durable. */
  flush(): Promise<void> {
    return this.store.commits.flush();
  }

  /** Waits for queued writes; closes the store if this MMSC opened it. */
  async close(): Promise<void> {
    await this.flush();
    if (this.owned) this.store.close();
  }
}
