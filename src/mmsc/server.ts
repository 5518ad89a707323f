/**
 * The reference MMSC: an MM1 HTTP server (OMA-MMS-CTR §8 over HTTP, PDUs per OMA-MMS-ENC) on node:http.
 *
 *   POST {path}        application/vnd.wap.mms-message: m-send-req → m-send-conf; m-notifyresp-ind,
 *                      m-acknowledge-ind, m-read-rec-ind → recorded (empty 200)
 *   GET  {path}/TOKEN  the stored m-retrieve-conf; unknown or expired → 404 with an m-retrieve-conf error status
 *
 * Every failure is answered with an MMS PDU carrying the matching status, never a bare HTTP error. Accepted
 * messages are stored on disk before m-send-conf is sent; notifications go to the PPG by PAP afterwards.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  decodeMms,
  type MmsPdu,
  type MmsStatus,
  mmsText,
  type ResponseStatus,
} from '../mms/index.ts';
import { WapDecodeError } from '../wire/errors.ts';
import { admit, type Admission, type AdmitContext, newRecipient, pushAddressOf as pushAddressFor } from './admit.ts';
import { submitPush } from './pap-client.ts';
import {
  deliveryInd,
  forwardedRetrieveConf,
  MMSC_MMS_VERSION,
  notificationInd,
  readOrigInd,
  retrieveConfFromSendReq,
  retrieveError,
  sendConf,
  withTransactionId,
} from './pdus.ts';
import { readBody, salvageTransactionId } from './http.ts';
import type { Mmsc, MmscLogger, MmscOptions } from './options.ts';
import { MessageStore, type MessageRecord, newMessageId, type RecipientRecord, type RecipientState } from './store.ts';

export const MMS_CONTENT_TYPE = 'application/vnd.wap.mms-message';

export type { Mmsc, MmscLogger, MmscOptions };

/** Notification attempts per recipient (each with its quick retries) before the MMSC gives up on pushing. */
const MAX_NOTIFY_ATTEMPTS = 10;
const TOKEN = /^[A-Za-z0-9_-]{22}$/;
const DEFAULT_EXPIRY = 7 * 24 * 3600 * 1000;

export function createMmsc(options: MmscOptions = {}): Mmsc {
  const now = options.now ?? Date.now;
  const log = options.logger ?? { info() {}, warn() {}, error() {} };
  const path = (options.path ?? '/mms').replace(/\/+$/, '');
  const maxSize = options.maxSize ?? 307_200;
  const expiry = options.expiry ?? DEFAULT_EXPIRY;
  const maxRecipients = options.maxRecipients ?? 20;
  const msisdnHeader = (options.msisdnHeader ?? 'x-msisdn').toLowerCase();
  const ppgDomain = options.ppgDomain ?? 'ppg';
  const retryDelays = options.pushRetryDelays ?? [2000, 10_000];
  // The process's durable store when given (serve: one file with the PPG queue), else <storeDir>/mmsc.db.
  const store = options.stateStore ? new MessageStore(options.stateStore) : MessageStore.openDir(options.storeDir ?? 'var/mmsc');
  if (options.stateStore && options.storeDir) {
    const imported = store.importDirectory(options.storeDir);
    if (imported) log.info({ imported, storeDir: options.storeDir }, 'mmsc: messages of the old directory store taken into the store');
  }
  let publicUrl = options.publicUrl?.replace(/\/+$/, '');
  const aborter = new AbortController();
  const pending = new Set<Promise<unknown>>();
  const sleepers = new Map<NodeJS.Timeout, () => void>();
  let closed = false;

  const locationOf = (token: string): string => `${publicUrl ?? `http://127.0.0.1${path}`}/${token}`;

  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p);
    void p.finally(() => pending.delete(p)).catch(() => undefined);
    return p;
  };
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        sleepers.delete(t);
        resolve();
      }, ms);
      t.unref();
      sleepers.set(t, resolve);
    });

  const pushAddressOf = (address: string): string | undefined => pushAddressFor(address, ppgDomain);

  /** Pushes one PDU with retries; true when the PPG accepted it. */
  async function push(address: string, content: Buffer, what: string): Promise<boolean> {
    if (!options.ppgUrl) {
      log.warn({ address, what }, 'mmsc: no PPG URL configured, push not sent');
      return false;
    }
    for (let attempt = 0; ; attempt++) {
      const res = await submitPush(options.ppgUrl, { address, content }, { signal: aborter.signal });
      if (res.ok) {
        log.info({ address, what, pushId: res.pushId, code: res.code }, 'mmsc: push accepted by PPG');
        return true;
      }
      log.warn({ address, what, error: res.error, attempt }, 'mmsc: push failed');
      const delay = retryDelays[attempt];
      if (delay === undefined || closed) return false;
      await sleep(delay);
      if (closed) return false;
    }
  }

  async function setState(m: MessageRecord, r: RecipientRecord, state: RecipientState): Promise<void> {
    r.state = state;
    r.updatedAt = now();
    await store.updateRecipient(m, r);
  }

  const notifying = new Set<string>();
  async function notify(m: MessageRecord, r: RecipientRecord): Promise<void> {
    if (notifying.has(r.token)) return;
    notifying.add(r.token);
    try {
      await notifyOnce(m, r);
    } finally {
      notifying.delete(r.token);
    }
  }
  async function notifyOnce(m: MessageRecord, r: RecipientRecord): Promise<void> {
    r.notifyAttempts++;
    const ok = await push(r.pushAddress, notificationInd(m, r, locationOf(r.token)), 'm-notification-ind');
    if (closed || !store.get(m.messageId)) return;
    if (r.state === 'pending' || r.state === 'notify-failed') await setState(m, r, ok ? 'notified' : 'notify-failed');
  }

  /** §6.6: an m-delivery-ind to the sender, once per recipient, when the sender asked and the recipient allows. */
  async function deliveryReport(m: MessageRecord, r: RecipientRecord, status: MmsStatus): Promise<void> {
    if (!m.deliveryReport || r.reportAllowed === false || r.deliveryReportSent) return;
    const to = pushAddressOf(m.from);
    if (!to) return;
    r.deliveryReportSent = true;
    await store.updateRecipient(m, r);
    await push(to, deliveryInd(m, r, status, now()), 'm-delivery-ind');
  }

  // ---------------- request handlers ----------------

  async function onSendReq(pdu: MmsPdu, req: IncomingMessage, octets: number): Promise<Buffer> {
    const h = pdu.headers;
    const tid = h.transactionId ?? '';
    const fail = (status: ResponseStatus, text: string): Buffer => {
      log.info({ tid, status, text }, 'mmsc: m-send-req refused');
      return sendConf(tid, status, { text });
    };
    // §6.1.1: Transaction-ID and MMS-Version are mandatory; §7.3.34: another major version is refused.
    if (!h.transactionId) return fail('Error-permanent-message-format-corrupt', 'X-Mms-Transaction-Id missing');
    if (!h.mmsVersion || !h.mmsVersion.startsWith('1')) return fail('Error-unsupported-message', `MMS version ${h.mmsVersion ?? 'missing'}`);
    if (octets > maxSize) return fail('Error-permanent-content-not-accepted', `message of ${octets} octets exceeds ${maxSize}`);
    if (!pdu.contentType) return fail('Error-permanent-message-format-corrupt', 'Content-Type missing');
    const admission = admit(h, admitContext(req));
    if (!admission.ok) return fail(admission.status, admission.text);
    const m = messageOf(h, admission, { senderVisible: h.senderVisibility !== 'Hide', subject: h.subject, messageClass: h.messageClass });
    const stored = await storeMessage(m, retrieveConfFromSendReq(pdu, m), tid);
    if (!stored) return fail('Error-transient-failure', 'message store unavailable');
    log.info({ messageId: m.messageId, from: m.from, to: m.recipients.map((r) => r.address), size: m.size }, 'mmsc: message accepted');
    deliverWhenDue(m);
    return sendConf(tid, 'Ok', { messageId: m.messageId });
  }

  /** §6.5: m-forward-req names a message stored here by its content location; it goes to new recipients. */
  async function onForwardReq(pdu: MmsPdu, req: IncomingMessage): Promise<Buffer> {
    const h = pdu.headers;
    const tid = h.transactionId ?? '';
    const fail = (status: ResponseStatus, text: string): Buffer => {
      log.info({ tid, status, text }, 'mmsc: m-forward-req refused');
      return sendConf(tid, status, { text }, 'm-forward-conf');
    };
    if (!h.transactionId) return fail('Error-permanent-message-format-corrupt', 'X-Mms-Transaction-Id missing');
    if (!h.mmsVersion || !h.mmsVersion.startsWith('1')) return fail('Error-unsupported-message', `MMS version ${h.mmsVersion ?? 'missing'}`);
    const token = h.contentLocation?.replace(/[?#].*$/, '').split('/').pop() ?? '';
    const found = TOKEN.test(token) ? store.byToken(token) : undefined;
    if (!found || found.message.expiresAt <= now()) return fail('Error-permanent-message-not-found', 'no such message to forward');
    const admission = admit(h, admitContext(req));
    if (!admission.ok) return fail(admission.status, admission.text);
    const original = decodeMms(await store.read(found.message.messageId));
    const m = messageOf(h, admission, { senderVisible: true, subject: found.message.subject, messageClass: found.message.messageClass });
    const stored = await storeMessage(m, forwardedRetrieveConf(original, pdu, m), tid);
    if (!stored) return fail('Error-transient-failure', 'message store unavailable');
    if (found.recipient.state !== 'Retrieved') await setState(found.message, found.recipient, 'Forwarded');
    log.info({ messageId: m.messageId, forwarded: found.message.messageId, from: m.from }, 'mmsc: message forwarded');
    deliverWhenDue(m);
    return sendConf(tid, 'Ok', { messageId: m.messageId }, 'm-forward-conf');
  }

  /** The record of a message being accepted (m-send-req or m-forward-req). */
  function messageOf(
    h: MmsPdu['headers'],
    admission: Extract<Admission, { ok: true }>,
    o: { senderVisible: boolean; subject: MessageRecord['subject']; messageClass: unknown },
  ): MessageRecord {
    const t = now();
    const m: MessageRecord = {
      messageId: newMessageId(t),
      from: admission.from,
      mmsVersion: h.mmsVersion ?? MMSC_MMS_VERSION,
      size: 0,
      receivedAt: t,
      expiresAt: admission.expiresAt,
      deliveryReport: h.deliveryReport === true,
      readReport: h.readReport === true,
      senderVisible: o.senderVisible,
      generated: true,
      recipients: admission.recipients,
    };
    if (admission.notBefore !== undefined) m.notBefore = admission.notBefore;
    if (o.subject) m.subject = o.subject;
    if (typeof o.messageClass === 'string') m.messageClass = o.messageClass;
    return m;
  }

  /** Stores the message (file, then index) before anything is answered; false when the store failed. */
  async function storeMessage(m: MessageRecord, content: Buffer, tid: string): Promise<boolean> {
    m.size = content.length;
    try {
      await store.add(m, content);
      return true;
    } catch (e) {
      log.error({ err: (e as Error).message, tid }, 'mmsc: store failed');
      return false;
    }
  }

  function admitContext(req: IncomingMessage): AdmitContext {
    const msisdn = [req.headers[msisdnHeader]].flat()[0]?.trim();
    const ctx: AdmitContext = { msisdnHeader, requireMsisdn: options.requireMsisdn ?? false, maxRecipients, expiry, now: now(), ppgDomain };
    if (msisdn) ctx.msisdn = msisdn;
    return ctx;
  }

  /** Notifies the pending recipients of a message now, or (X-Mms-Delivery-Time) once it is due. */
  function deliverWhenDue(m: MessageRecord): void {
    const wait = (m.notBefore ?? 0) - now();
    if (wait > 0) {
      // Checked again by every purge tick, so a restart or a long delay loses nothing.
      const t = setTimeout(() => deliverWhenDue(m), Math.min(wait, 2 ** 31 - 1));
      t.unref();
      sleepers.set(t, () => undefined);
      return;
    }
    if (!store.get(m.messageId) || closed) return;
    for (const r of m.recipients) if (r.state === 'pending') void track(notify(m, r));
  }

  async function onNotifyResp(pdu: MmsPdu): Promise<void> {
    const found = pdu.headers.transactionId ? store.byTransactionId(pdu.headers.transactionId) : undefined;
    if (!found) {
      log.warn({ tid: pdu.headers.transactionId }, 'mmsc: m-notifyresp-ind for an unknown transaction');
      return;
    }
    const { message, recipient } = found;
    const status = pdu.headers.status;
    if (pdu.headers.reportAllowed !== undefined) recipient.reportAllowed = pdu.headers.reportAllowed;
    const state: RecipientState = typeof status === 'string' && status !== 'Expired' && status !== 'Unreachable' ? status : 'Indeterminate';
    if (state === 'Retrieved') recipient.retrievedAt = now();
    if (recipient.state !== 'Retrieved') await setState(message, recipient, state);
    log.info({ messageId: message.messageId, recipient: recipient.address, state }, 'mmsc: m-notifyresp-ind');
    if (state === 'Retrieved') {
      void track(deliveryReport(message, recipient, 'Retrieved'));
    } else if (state === 'Rejected') void track(deliveryReport(message, recipient, 'Rejected'));
  }

  async function onAcknowledge(pdu: MmsPdu): Promise<void> {
    const found = pdu.headers.transactionId ? store.byTransactionId(pdu.headers.transactionId) : undefined;
    if (!found) {
      log.warn({ tid: pdu.headers.transactionId }, 'mmsc: m-acknowledge-ind for an unknown transaction');
      return;
    }
    const { message, recipient } = found;
    if (pdu.headers.reportAllowed !== undefined) recipient.reportAllowed = pdu.headers.reportAllowed;
    recipient.retrievedAt = now();
    await setState(message, recipient, 'Retrieved');
    log.info({ messageId: message.messageId, recipient: recipient.address }, 'mmsc: m-acknowledge-ind');
    void track(deliveryReport(message, recipient, 'Retrieved'));
  }

  async function onReadRec(pdu: MmsPdu, req: IncomingMessage): Promise<void> {
    const m = pdu.headers.messageId ? store.get(pdu.headers.messageId) : undefined;
    if (!m || !m.readReport) return;
    const msisdn = [req.headers[msisdnHeader]].flat()[0]?.trim();
    const reader = msisdn ? `${msisdn}/TYPE=PLMN` : pdu.headers.from && 'address' in pdu.headers.from ? mmsText(pdu.headers.from.address) : '';
    const to = pushAddressOf(m.from);
    if (to && reader) void track(push(to, readOrigInd(pdu, m, reader, now()), 'm-read-orig-ind'));
  }

  async function onPost(req: IncomingMessage): Promise<{ status: number; body: Buffer }> {
    const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const { body, octets } = await readBody(req, maxSize + 1024);
    if (ct !== MMS_CONTENT_TYPE) {
      return { status: 415, body: sendConf(salvageTransactionId(body), 'Error-permanent-message-format-corrupt', { text: `Content-Type ${ct || 'missing'}` }) };
    }
    if (octets > maxSize) {
      return { status: 200, body: sendConf(salvageTransactionId(body), 'Error-permanent-content-not-accepted', { text: `message of ${octets} octets exceeds ${maxSize}` }) };
    }
    let pdu: MmsPdu;
    try {
      pdu = decodeMms(body);
    } catch (e) {
      if (!(e instanceof WapDecodeError)) throw e;
      log.info({ err: e.message }, 'mmsc: undecodable PDU');
      return { status: 200, body: sendConf(salvageTransactionId(body), 'Error-permanent-message-format-corrupt', { text: e.message }) };
    }
    switch (pdu.messageType) {
      case 'm-send-req':
        return { status: 200, body: await onSendReq(pdu, req, octets) };
      case 'm-notifyresp-ind':
        await onNotifyResp(pdu);
        return { status: 200, body: Buffer.alloc(0) };
      case 'm-acknowledge-ind':
        await onAcknowledge(pdu);
        return { status: 200, body: Buffer.alloc(0) };
      case 'm-forward-req':
        return { status: 200, body: await onForwardReq(pdu, req) };
      case 'm-read-rec-ind':
        await onReadRec(pdu, req);
        return { status: 200, body: Buffer.alloc(0) };
      default:
        return {
          status: 200,
          body: sendConf(pdu.headers.transactionId ?? '', 'Error-unsupported-message', { text: `${String(pdu.messageType)} not supported here` }),
        };
    }
  }

  async function onGet(token: string): Promise<{ status: number; body: Buffer }> {
    const found = TOKEN.test(token) ? store.byToken(token) : undefined;
    // §6.3 / §7.3.50: an unknown or expired location is answered with Error-permanent-message-not-found.
    if (!found || found.message.expiresAt <= now()) {
      return { status: 404, body: retrieveError('Error-permanent-message-not-found', 'message not found or expired', now()) };
    }
    const { message, recipient } = found;
    const stored = await store.read(message.messageId);
    log.info({ messageId: message.messageId, recipient: recipient.address }, 'mmsc: message retrieved');
    return { status: 200, body: message.generated ? withTransactionId(stored, recipient.transactionId) : stored };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://mmsc');
    let out: { status: number; body: Buffer; type?: string };
    try {
      if (req.method === 'POST' && url.pathname === path) out = await onPost(req);
      else if (req.method === 'GET' && url.pathname.startsWith(`${path}/`)) out = await onGet(url.pathname.slice(path.length + 1));
      else if (url.pathname === path || url.pathname.startsWith(`${path}/`)) {
        out = { status: 405, body: Buffer.from('use POST for MM1 PDUs, GET for content locations\n'), type: 'text/plain' };
      } else out = { status: 404, body: Buffer.from('not found\n'), type: 'text/plain' };
    } catch (e) {
      {
        log.error({ err: (e as Error).stack }, 'mmsc: request failed');
        // Still an MMS answer: a transient failure the handset may retry.
        out = req.method === 'GET'
          ? { status: 503, body: retrieveError('Error-transient-failure', 'temporary failure', now()) }
          : { status: 503, body: sendConf('', 'Error-transient-failure', { text: 'temporary failure' }) };
      }
    }
    if (res.headersSent || res.destroyed) return;
    res.statusCode = out.status;
    if (out.body.length > 0 || out.type) res.setHeader('content-type', out.type ?? MMS_CONTENT_TYPE);
    res.setHeader('content-length', out.body.length);
    if (!req.complete) res.setHeader('connection', 'close');
    res.end(out.body);
  }

  async function purge(): Promise<MessageRecord[]> {
    for (const m of store.list()) {
      if ((m.notBefore ?? 0) > now()) continue;
      deliverWhenDue(m);
      // Pushes that failed (PPG down longer than the retries) are tried again on each tick, up to a bound.
      for (const r of m.recipients) if (r.state === 'notify-failed' && r.notifyAttempts < MAX_NOTIFY_ATTEMPTS) void track(notify(m, r));
    }
    const gone = store.expired(now());
    for (const m of gone) {
      for (const r of m.recipients) {
        if (r.state !== 'Retrieved' && r.state !== 'Rejected') {
          r.state = 'Expired';
          r.updatedAt = now();
          void track(deliveryReport(m, r, 'Expired'));
        }
      }
      await store.remove(m.messageId);
      log.info({ messageId: m.messageId }, 'mmsc: expired message purged');
    }
    return gone;
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  const purgeTimer = setInterval(() => void purge().catch((e: Error) => log.error({ err: e.message }, 'mmsc: purge failed')), options.purgeIntervalMs ?? 60_000);
  purgeTimer.unref();

  return {
    server,
    store,
    locationOf,
    purge,
    listen(port: number, host = '127.0.0.1'): Promise<AddressInfo> {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const addr = server.address() as AddressInfo;
          const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          publicUrl ??= `http://${h}:${addr.port}${path}`;
          // Notifications not sent before a restart (accepted, then stopped before the push) go out now (or when due).
          for (const m of store.list()) deliverWhenDue(m);
          resolve(addr);
        });
      });
    },
    async close(): Promise<void> {
      closed = true;
      clearInterval(purgeTimer);
      for (const [t, wake] of sleepers) {
        clearTimeout(t);
        wake();
      }
      sleepers.clear();
      aborter.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.allSettled([...pending]);
      await store.close();
    },
    async deposit(retrieveConf: Buffer, addresses: string[], o: { expiry?: number } = {}): Promise<MessageRecord> {
      const pdu = decodeMms(retrieveConf);
      if (pdu.messageType !== 'm-retrieve-conf') throw new Error(`deposit needs an m-retrieve-conf, not ${String(pdu.messageType)}`);
      const t = now();
      const recipients: RecipientRecord[] = addresses.map((address) => {
        const pushAddress = pushAddressOf(address);
        if (!pushAddress) throw new Error(`cannot deliver to ${address}`);
        return newRecipient(address, pushAddress, t);
      });
      const h = pdu.headers;
      const m: MessageRecord = {
        messageId: newMessageId(t),
        from: h.from && 'address' in h.from ? mmsText(h.from.address) : '',
        mmsVersion: h.mmsVersion ?? '1.0',
        size: retrieveConf.length,
        receivedAt: t,
        expiresAt: t + Math.min(o.expiry ?? expiry, expiry),
        deliveryReport: false,
        readReport: false,
        senderVisible: !!(h.from && 'address' in h.from),
        generated: false,
        recipients,
      };
      if (h.subject) m.subject = h.subject;
      if (typeof h.messageClass === 'string') m.messageClass = h.messageClass;
      await store.add(m, retrieveConf);
      if (publicUrl) deliverWhenDue(m);
      return m;
    },
    async idle(): Promise<void> {
      while (pending.size > 0) await Promise.allSettled([...pending]);
      await store.flush();
    },
  };
}
