/**
 * The JSON state file of earlier wapgate versions (push.queue.stateFile, written on a clean shutdown only): read
 * once at start and taken into the durable queue (src/push/queue-sqlite.ts), then renamed *.imported. The
 * writer stays for tests and tools that make such a file.
 */
import { readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { parsePushAddress } from './address.ts';
import type { NewPushRecord, PushRecord, Target } from './store.ts';
import { isFinal } from './store.ts';

const FORMAT = 'wapgate-ppg-state/1';

interface SavedTarget {
  address: string;
  state: Target['state'];
  code: number;
  desc?: string;
  eventTime: number;
  attempts: number;
  notBefore: number;
  bearer?: Target['bearer'];
  awaitingReceipts?: string[];
}

interface SavedRecord extends Omit<PushRecord, 'targets' | 'content' | 'seq'> {
  content: { contentType: string; body: string; entityHeaders: [string, string][]; initiatorUri?: string; pushFlag?: number };
  targets: SavedTarget[];
}

export function serialiseRecords(records: Iterable<PushRecord>): string {
  const out: SavedRecord[] = [];
  for (const r of records) {
    if (r.targets.every(isFinal)) continue;
    const { targets, content, seq: _seq, ...rest } = r;
    out.push({
      ...rest,
      content: { ...content, entityHeaders: [...content.entityHeaders], body: content.body.toString('base64') },
      targets: targets.map((t) => ({
        address: t.address.raw,
        state: t.state,
        code: t.code,
        ...(t.desc ? { desc: t.desc } : {}),
        eventTime: t.eventTime,
        attempts: t.attempts,
        notBefore: t.notBefore,
        ...(t.bearer ? { bearer: t.bearer } : {}),
        ...(t.awaitingReceipts?.size ? { awaitingReceipts: [...t.awaitingReceipts] } : {}),
      })),
    });
  }
  return JSON.stringify({ format: FORMAT, records: out });
}

/** Records from a saved state; entries that no longer parse are skipped (and counted). */
export function deserialiseRecords(json: string): { records: NewPushRecord[]; skipped: number } {
  const doc = JSON.parse(json) as { format?: string; records?: SavedRecord[] };
  if (doc.format !== FORMAT || !Array.isArray(doc.records)) throw new Error(`not a ${FORMAT} file`);
  const records: NewPushRecord[] = [];
  let skipped = 0;
  for (const r of doc.records) {
    try {
      const { content, targets, ...rest } = r;
      records.push({
        ...rest,
        content: { ...content, body: Buffer.from(content.body, 'base64') },
        targets: targets.map((t) => ({
          address: parsePushAddress(t.address),
          state: t.state,
          code: t.code,
          ...(t.desc ? { desc: t.desc } : {}),
          eventTime: t.eventTime,
          attempts: t.attempts,
          notBefore: t.notBefore,
          busy: false,
          ...(t.bearer ? { bearer: t.bearer } : {}),
          ...(t.awaitingReceipts?.length ? { awaitingReceipts: new Set(t.awaitingReceipts) } : {}),
        })),
      });
    } catch {
      skipped++;
    }
  }
  return { records, skipped };
}

export function saveState(file: string, records: Iterable<PushRecord>): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, serialiseRecords(records), { mode: 0o600 });
  renameSync(tmp, file);
}

export function loadState(file: string): ReturnType<typeof deserialiseRecords> | undefined {
  if (!existsSync(file)) return undefined;
  return deserialiseRecords(readFileSync(file, 'utf8'));
}
