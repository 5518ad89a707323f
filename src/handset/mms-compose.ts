/**
 * The handset's MMS composer: files → an m-send-req (OMA-MMS-ENC §6.1.1) with a multipart/related body whose
 * root is a SMIL presentation (OMA-MMS-CONF §8: application/vnd.wap.multipart.related; type=application/smil;
 * start=<smil>), each part named by Content-Location and Content-ID so the SMIL can refer to it.
 */
import { basename, extname } from 'node:path';
import { encodedString, encodeMms, formatAddress, type MmsPart, type MmsPdu, parseAddress } from '../mms/index.ts';
import type { EncodedString } from '../wire/primitives.ts';

export interface MmsFile {
  /** File name as it will appear in Content-Location (no directories). */
  name: string;
  contentType: string;
  body: Buffer;
}

/** Media types by file extension (the formats OMA-MMS-CONF content classes name, plus common ones). */
const MEDIA: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.png': 'image/png',
  '.wbmp': 'image/vnd.wap.wbmp',
  '.bmp': 'image/bmp',
  '.txt': 'text/plain',
  '.text': 'text/plain',
  '.smil': 'application/smil',
  '.smi': 'application/smil',
  '.amr': 'audio/amr',
  '.mid': 'audio/midi',
  '.midi': 'audio/midi',
  '.mp3': 'audio/mpeg',
  '.3gp': 'video/3gpp',
  '.mp4': 'video/mp4',
  '.vcf': 'text/x-vcard',
  '.vcs': 'text/x-vcalendar',
};

export function mediaTypeOf(fileName: string): string {
  return MEDIA[extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A SMIL presentation showing every file on one slide: image/video above, text below, audio alongside. */
export function buildSmil(files: readonly MmsFile[]): string {
  const visual = files.some((f) => /^(image|video)\//.test(f.contentType));
  const text = files.some((f) => f.contentType.startsWith('text/'));
  const region = (id: string, top: string, height: string) => `<region id="${id}" top="${top}" left="0%" height="${height}" width="100%" fit="meet"/>`;
  const regions = [
    visual ? region('Image', '0%', text ? '70%' : '100%') : '',
    text ? region('Text', visual ? '70%' : '0%', visual ? '30%' : '100%') : '',
  ].join('');
  const items = files
    .map((f) => {
      const src = escapeXml(f.name);
      if (f.contentType.startsWith('image/')) return `<img src="${src}" region="Image"/>`;
      if (f.contentType.startsWith('video/')) return `<video src="${src}" region="Image"/>`;
      if (f.contentType.startsWith('text/')) return `<text src="${src}" region="Text"/>`;
      if (f.contentType.startsWith('audio/')) return `<audio src="${src}"/>`;
      return `<ref src="${src}"/>`;
    })
    .join('');
  return `<smil><head><layout><root-layout/>${regions}</layout></head><body><par dur="5000ms">${items}</par></body></smil>`;
}

export interface ComposeOptions {
  to: string[];
  cc?: string[];
  subject?: string;
  files: MmsFile[];
  transactionId: string;
  /** Default '1.2'. */
  mmsVersion?: string;
  deliveryReport?: boolean;
  readReport?: boolean;
  /** Seconds until the MMSC may discard the message. */
  expiry?: number;
  /** Default: the Insert-address-token (the network fills in the sender, §6.1.1). */
  from?: string;
}

/** '+15550000002' → '+15550000002/TYPE=PLMN'; e-mail and '/TYPE=' forms are kept (§8). */
export function recipientAddress(s: string): EncodedString {
  const t = s.trim();
  if (/\/TYPE=/i.test(t) || t.includes('@')) return encodedString(t);
  const a = parseAddress(t);
  return formatAddress(a.type === 'unknown' ? { type: 'PLMN', value: t } : a);
}

/** Builds the m-send-req. A SMIL root is generated unless one of the files is SMIL already. */
export function composeSendReq(o: ComposeOptions): MmsPdu {
  const named = o.files.map((f) => ({ ...f, name: basename(f.name) }));
  const smilFile = named.find((f) => f.contentType === 'application/smil');
  const media = named.filter((f) => f !== smilFile);
  const smil: MmsFile = smilFile ?? { name: 'smil.smil', contentType: 'application/smil', body: Buffer.from(buildSmil(media), 'utf8') };
  const part = (f: MmsFile, cid: string): MmsPart => ({
    contentType: {
      type: f.contentType,
      params: f.contentType.startsWith('text/') || f.contentType === 'application/smil' ? [{ name: 'charset', value: 'utf-8' }] : [],
    },
    headers: [
      { name: 'Content-ID', value: `<${cid}>` },
      { name: 'Content-Location', value: f.name },
    ],
    body: f.body,
  });
  const headers: MmsPdu['headers'] = {
    transactionId: o.transactionId,
    mmsVersion: o.mmsVersion ?? '1.2',
    from: o.from ? { address: recipientAddress(o.from) } : { insertAddress: true },
    to: o.to.map(recipientAddress),
  };
  if (o.cc?.length) headers.cc = o.cc.map(recipientAddress);
  if (o.subject !== undefined) headers.subject = encodedString(o.subject);
  headers.messageClass = 'Personal';
  if (o.expiry !== undefined) headers.expiry = { relative: o.expiry };
  headers.deliveryReport = o.deliveryReport ?? false;
  if (o.readReport !== undefined) headers.readReport = o.readReport;
  return {
    messageType: 'm-send-req',
    headers,
    contentType: {
      type: 'application/vnd.wap.multipart.related',
      params: [
        { name: 'start', value: '<smil>' },
        { name: 'type', value: 'application/smil' },
      ],
    },
    parts: [part(smil, 'smil'), ...media.map((f) => part(f, f.name))],
  };
}

/** Encodes the m-send-req, refusing what exceeds `maxSize` octets (the MMSC's limit; default 300 KB). */
export function encodeSendReq(pdu: MmsPdu, maxSize = 307_200): Buffer {
  const buf = encodeMms(pdu);
  if (buf.length > maxSize) throw Object.assign(new Error(`message is ${buf.length} octets, more than the ${maxSize} allowed`), { code: 'ERR_MMS_TOO_LARGE' });
  return buf;
}
