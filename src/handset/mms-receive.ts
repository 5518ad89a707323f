/**
 * The handset's MMS receiving side (OMA-MMS-CTR §8.2 / OMA-MMS-ENC §6.2-6.4): listen for connectionless WSP Push
 * (WAP-230 §8.2.4.1, UDP 2948) carrying an m-notification-ind for the MMS user agent, fetch the Content-Location
 * through the gateway, write the parts out, and answer the MMSC with m-notifyresp-ind (Retrieved or Deferred).
 */
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { isIPv6 } from 'node:net';
import { decodeMms, encodeMms, type MmsPart, type MmsPdu, partHeader } from '../mms/index.ts';
import { decodeConnectionless } from '../wsp/pdu.ts';
import type { ContentType } from '../wsp/content-type.ts';
import { isProvisioningType } from '../prov/handset.ts';

export const MMS_MESSAGE = 'application/vnd.wap.mms-message';

/** A provisioning push (OMA ProvCont / Nokia OTA): src/prov/handset.ts reads it. */
export interface ProvisioningPush {
  contentType: ContentType;
  data: Buffer;
  source: { address: string; port: number };
}

export interface Notification {
  pdu: MmsPdu;
  /** Who pushed it (the gateway's address). */
  source: { address: string; port: number };
}

/**
 * Listens for WAP Push on UDP (default port 2948) and emits each new m-notification-ind once (duplicates, e.g.
 * retransmitted pushes, are recognised by Transaction-Id). Other pushes are ignored, as a handset's WAP stack
 * hands them to other applications.
 */
export class PushListener extends EventEmitter<{ notification: [Notification]; ignored: [string]; provisioning: [ProvisioningPush] }> {
  private socket: dgram.Socket | undefined;
  private readonly seen = new Set<string>();

  constructor(private readonly opts: { address?: string; port?: number } = {}) {
    super();
  }

  async open(): Promise<{ address: string; port: number }> {
    const s = dgram.createSocket(isIPv6(this.opts.address ?? '') ? 'udp6' : 'udp4');
    s.on('message', (msg, rinfo) => this.onDatagram(msg, { address: rinfo.address, port: rinfo.port }));
    s.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind({ address: this.opts.address ?? '127.0.0.1', port: this.opts.port ?? 2948 }, () => {
        s.off('error', reject);
        resolve();
      });
    });
    this.socket = s;
    return s.address();
  }

  private onDatagram(msg: Buffer, source: { address: string; port: number }): void {
    let pdu;
    try {
      pdu = decodeConnectionless(msg).pdu;
    } catch (e) {
      this.emit('ignored', `undecodable datagram: ${(e as Error).message}`);
      return;
    }
    // OTA provisioning (src/prov): handed over whole, for the PIN check and the settings
    if (pdu.type === 'Push' && pdu.contentType && isProvisioningType(pdu.contentType)) {
      this.emit('provisioning', { contentType: pdu.contentType, data: Buffer.from(pdu.data), source });
      return;
    }
    if (pdu.type !== 'Push' || pdu.contentType?.type !== MMS_MESSAGE) {
      this.emit('ignored', `${pdu.type} of ${pdu.type === 'Push' ? (pdu.contentType?.type ?? 'no type') : '-'}`);
      return;
    }
    let mms: MmsPdu;
    try {
      mms = decodeMms(pdu.data);
    } catch (e) {
      this.emit('ignored', `undecodable MMS PDU: ${(e as Error).message}`);
      return;
    }
    if (mms.messageType !== 'm-notification-ind' && mms.messageType !== 'm-delivery-ind' && mms.messageType !== 'm-read-orig-ind') {
      this.emit('ignored', `MMS ${String(mms.messageType)}`);
      return;
    }
    const key = `${String(mms.messageType)}:${mms.headers.transactionId ?? mms.headers.messageId ?? ''}:${mms.headers.contentLocation ?? ''}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.emit('notification', { pdu: mms, source });
  }

  async close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

/** The MMSC's MM1 URL as a handset without one configured guesses it: the content location minus its last step. */
export function mmscUrlFrom(contentLocation: string): string {
  const u = new URL(contentLocation);
  u.pathname = u.pathname.replace(/\/[^/]*$/, '') || '/';
  u.search = '';
  return u.toString();
}

/** §6.2.2 m-notifyresp-ind for a notification. */
export function notifyResp(n: MmsPdu, status: 'Retrieved' | 'Deferred' | 'Rejected', reportAllowed = true, mmsVersion = '1.2'): Buffer {
  return encodeMms({
    messageType: 'm-notifyresp-ind',
    headers: { transactionId: n.headers.transactionId ?? '', mmsVersion, status, reportAllowed },
  });
}

/** §6.4 m-acknowledge-ind for a retrieved message (deferred retrieval). */
export function acknowledge(rc: MmsPdu, reportAllowed = true): Buffer {
  return encodeMms({
    messageType: 'm-acknowledge-ind',
    headers: { transactionId: rc.headers.transactionId ?? '', mmsVersion: '1.2', reportAllowed },
  });
}

/** A safe file name for a part: its Content-Location (or name parameter), never a path; unique within `dir`. */
export function partFileName(part: MmsPart, index: number, dir: string): string {
  const raw =
    partHeader(part, 'Content-Location') ??
    part.contentType.params.find((p) => p.name === 'name')?.value ??
    partHeader(part, 'Content-ID')?.replace(/^<|>$/g, '') ??
    `part-${index + 1}`;
  let name = basename(raw.replace(/\\/g, '/')).replace(/[^\w.+=@-]/g, '_').replace(/^\.+/, '_') || `part-${index + 1}`;
  if (name.length > 100) name = name.slice(0, 100);
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let i = 2; existsSync(join(dir, name)); i++) name = `${stem}-${i}${ext}`;
  return name;
}

/** Writes every part of an m-retrieve-conf (nested multiparts flattened) into `dir`; returns the file names. */
export function writeParts(rc: MmsPdu, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  const walk = (parts: readonly MmsPart[]): void => {
    for (const p of parts) {
      if (p.parts) walk(p.parts);
      else {
        const name = partFileName(p, out.length, dir);
        writeFileSync(join(dir, name), p.body);
        out.push(name);
      }
    }
  };
  if (rc.parts) walk(rc.parts);
  else if (rc.body) {
    const name = partFileName({ contentType: rc.contentType ?? { type: 'application/octet-stream', params: [] }, headers: [], body: rc.body }, 0, dir);
    writeFileSync(join(dir, name), rc.body);
    out.push(name);
  }
  return out;
}
