/**
 * The reference MMSC's message store: one file per message (the m-retrieve-conf octets it will serve) and a JSON
 * index, both written atomically (temporary file, fsync, rename), so what was accepted survives a restart or a
 * crash at any point: a message file without an index entry is removed at the next open, an index entry without
 * its file is dropped.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { EncodedString } from '../mms/index.ts';

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

interface IndexFile {
  version: 1;
  messages: MessageRecord[];
}

/** 128 random bits, URL-safe: the unguessable part of a content location. */
export function newToken(): string {
  return randomBytes(16).toString('base64url');
}

/** A Message-ID: time-ordered prefix plus 64 random bits. */
export function newMessageId(now: number): string {
  return `${now.toString(36)}-${randomBytes(8).toString('hex')}`;
}

function writeFileAtomicSync(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

const MESSAGE_ID = /^[A-Za-z0-9._-]{1,100}$/;

export class DirectoryStore {
  private readonly messages = new Map<string, MessageRecord>();
  private readonly byTokenMap = new Map<string, { message: MessageRecord; recipient: RecipientRecord }>();
  private readonly byTidMap = new Map<string, { message: MessageRecord; recipient: RecipientRecord }>();
  private saving: Promise<void> = Promise.resolve();
  private readonly msgDir: string;
  private readonly indexPath: string;

  /** Opens (creating if needed) the store in `dir`, loading its index synchronously. */
  constructor(readonly dir: string) {
    this.msgDir = join(dir, 'messages');
    this.indexPath = join(dir, 'index.json');
    mkdirSync(this.msgDir, { recursive: true });
    let index: IndexFile = { version: 1, messages: [] };
    if (existsSync(this.indexPath)) {
      index = JSON.parse(readFileSync(this.indexPath, 'utf8')) as IndexFile;
      if (index.version !== 1 || !Array.isArray(index.messages)) throw new Error(`${this.indexPath}: unknown index format`);
    }
    for (const m of index.messages) {
      if (!MESSAGE_ID.test(m.messageId) || !existsSync(this.fileOf(m.messageId))) continue;
      this.insert(m);
    }
    // Files of messages the index never recorded (a crash between the two writes) or left-over temporaries.
    for (const f of readdirSync(this.msgDir)) {
      const id = f.endsWith('.mms') ? f.slice(0, -4) : undefined;
      if (id === undefined || !this.messages.has(id)) unlinkSync(join(this.msgDir, f));
    }
    for (const f of readdirSync(dir)) if (f.startsWith('index.json.tmp-')) unlinkSync(join(dir, f));
    if (this.messages.size !== index.messages.length) writeFileAtomicSync(this.indexPath, this.serialize());
  }

  private fileOf(messageId: string): string {
    return join(this.msgDir, `${messageId}.mms`);
  }

  private insert(m: MessageRecord): void {
    this.messages.set(m.messageId, m);
    for (const r of m.recipients) {
      this.byTokenMap.set(r.token, { message: m, recipient: r });
      this.byTidMap.set(r.transactionId, { message: m, recipient: r });
    }
  }

  private serialize(): string {
    const index: IndexFile = { version: 1, messages: [...this.messages.values()] };
    return JSON.stringify(index);
  }

  /** Writes the index (serialized: one write at a time, each with the state at its start). */
  save(): Promise<void> {
    const next = this.saving.then(() => writeFileAtomic(this.indexPath, this.serialize()));
    this.saving = next.catch(() => undefined);
    return next;
  }

  /** Stores a message: its file first, then the index; resolves once both are on disk. */
  async add(record: MessageRecord, content: Buffer): Promise<MessageRecord> {
    if (!MESSAGE_ID.test(record.messageId)) throw new Error(`bad message id '${record.messageId}'`);
    if (this.messages.has(record.messageId)) throw new Error(`duplicate message id '${record.messageId}'`);
    await writeFileAtomic(this.fileOf(record.messageId), content);
    this.insert(record);
    try {
      await this.save();
    } catch (e) {
      this.forget(record);
      await unlink(this.fileOf(record.messageId)).catch(() => undefined);
      throw e;
    }
    return record;
  }

  private forget(m: MessageRecord): void {
    this.messages.delete(m.messageId);
    for (const r of m.recipients) {
      this.byTokenMap.delete(r.token);
      this.byTidMap.delete(r.transactionId);
    }
  }

  /** Removes a message and its file. */
  async remove(messageId: string): Promise<void> {
    const m = this.messages.get(messageId);
    if (!m) return;
    this.forget(m);
    await this.save();
    await unlink(this.fileOf(messageId)).catch(() => undefined);
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

  /** The stored octets of a message. */
  read(messageId: string): Promise<Buffer> {
    return readFile(this.fileOf(messageId));
  }

  /** Messages whose expiry has passed at `now`. */
  expired(now: number): MessageRecord[] {
    return this.list().filter((m) => m.expiresAt <= now);
  }

  /** Resolves when every index write issued so far has finished. */
  flush(): Promise<void> {
    return this.saving;
  }
}
