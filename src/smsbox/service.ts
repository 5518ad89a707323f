/**
 * smsbox: Kannel's sendsms interface as a push source for wapgate. /cgi-bin/sendsms requests are checked
 * (sendsms.ts), queued (queue.ts: bounded, durable with a store) and delivered:
 *   - a WDP message (UDH with the 16-bit application port element, e.g. 06 05 04 0B 84 23 F0 = WAP Push to
 *     2948) to a receiver whose MSISDN has an active IP in the subscriber map: one datagram with exactly the
 *     bytes of `text`, from the gateway's connectionless socket to that IP and the destination port
 *     (WAP-259 §6.3 WDP over IP); dlr-mask 8 reports "delivered to bearer";
 *   - otherwise by SMS through the PPG's SMPP client: WDP segmented with the port UDH kept (WAP-259 §6.5), plain
 *     text as GSM 7-bit / 8-bit / UCS-2 short messages, concatenated as needed; dlr-mask 8/16 from the
 *     submit_sm_resp, 1/2/4 from the SMSC's delivery receipts;
 *   - a plain message with no SMSC configured is refused at once with a 400 that says so.
 * dlr-url calls go through a bounded dispatcher (dlr.ts), so a hanging one blocks nothing.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, type Registry } from 'prom-client';
import { SmsSubmitError, type SmsPushSender, type SmsReceipt } from '../bearer/sms/sender.ts';
import type { Cdr, ChargingSink } from '../gateway/hooks.ts';
import type { Store } from '../store/index.ts';
import { DlrDispatcher, DlrType, expandDlrUrl } from './dlr.ts';
import { AUTH_FAILED, createSmsboxListener, type SmsboxAnswer, type SmsboxListener, type SmsboxRequest } from './listener.ts';
import { resolveSmsboxOptions, type SmsboxOptions } from './options.ts';
import { memoryBackend, sqliteBackend, SmsQueue, type Correlation, type QueueBackend, type SmsJob } from './queue.ts';
import { plainParts, wdpParts, type SmsPart } from './segment.ts';
import { ANSWER, parseSendsms, sendsmsCredentials, type SendsmsMessage } from './sendsms.ts';

export interface SmsboxClock {
  now(): number;
  setTimer(ms: number, fn: () => void): { cancel(): void };
}

const wallClock: SmsboxClock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, Math.min(ms, 2_147_000_000)));
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

export interface SmsboxLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface SmsboxDeps {
  /** WDP over IP from the gateway's connectionless socket (src/push/delivery.ts PushTransport shape). */
  wdp?: { sendDatagram(payload: Buffer, address: string, port: number): Promise<void> };
  /** The PPG's SMPP client; without it plain SMS are refused and WDP goes by IP only. */
  sms?: SmsPushSender;
  /** Subscriber map: MSISDN → the handset's active IP. */
  resolveMsisdn?: (msisdn: string) => string | undefined;
  charging?: ChargingSink;
  /** Durable queue and DLR correlations (room 'sendsms'); without it they are kept in memory. */
  store?: Store;
  /** A queue shared by several nodes (src/state/sms-queue-redis.ts, state.redis.url); replaces `store`'s. */
  queueBackend?: QueueBackend;
  /** Where smsbox registers its metrics (wapgate_sendsms_*). */
  registry?: Registry;
  /** Counts refused requests (metrics.rejectedInputs with source 'sendsms'). */
  rejected?: (reason: string) => void;
  clock?: SmsboxClock;
  log?: SmsboxLog;
  /** dlr-url caller (tests); default fetch. */
  dlrGet?: (url: string, timeoutMs: number) => Promise<number>;
}

export interface Smsbox {
  readonly options: SmsboxOptions;
  readonly listener: SmsboxListener;
  readonly queue: SmsQueue;
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /** Stops the listener and delivery; waits for running deliveries and dlr-url calls (bounded by timeouts). */
  close(): Promise<void>;
  /** SIGHUP: who may send. */
  setAccess(a: Pick<SmsboxOptions, 'trustedIps' | 'users' | 'user' | 'password'>): void;
  /** Jobs and correlations a shared backend adopted from a dead node: scheduled here from now on. */
  absorb(jobs: readonly SmsJob[], correlations: readonly Correlation[]): { jobs: number; correlations: number };
  /** Delivery events (tests, status). */
  stats(): { queued: number; correlations: number; dlrPending: number; delivered: number; failed: number };
}

type Outcome = { done: 'ip' | 'sms'; ids?: string[]; parts: number; bytes: number } | { fail: string; permanent: true } | { retry: string };

function metricsOf(registry: Registry | undefined) {
  if (!registry) return undefined;
  const get = <T>(name: string, make: () => T): T => (registry.getSingleMetric(name) as T | undefined) ?? make();
  return {
    requests: get('wapgate_sendsms_requests_total', () => new Counter({ name: 'wapgate_sendsms_requests_total', help: 'sendsms requests by HTTP status', labelNames: ['status'], registers: [registry] })),
    messages: get('wapgate_sendsms_messages_total', () => new Counter({ name: 'wapgate_sendsms_messages_total', help: 'sendsms messages (per receiver) by bearer and outcome', labelNames: ['bearer', 'outcome'], registers: [registry] })),
    depth: get('wapgate_sendsms_queue_depth', () => new Gauge({ name: 'wapgate_sendsms_queue_depth', help: 'sendsms messages waiting for delivery', registers: [registry] })),
    dlr: get('wapgate_sendsms_dlr_calls_total', () => new Counter({ name: 'wapgate_sendsms_dlr_calls_total', help: 'dlr-url calls by outcome', labelNames: ['outcome'], registers: [registry] })),
  } as {
    requests: Counter<'status'>;
    messages: Counter<'bearer' | 'outcome'>;
    depth: Gauge;
    dlr: Counter<'outcome'>;
  };
}

export function createSmsbox(input: Partial<SmsboxOptions>, deps: SmsboxDeps = {}): Smsbox {
  const options = resolveSmsboxOptions(input);
  const clock = deps.clock ?? wallClock;
  const m = metricsOf(deps.registry);
  const listener = createSmsboxListener(options, {
    ...(deps.log ? { log: deps.log } : {}),
    rejected: (r) => deps.rejected?.(r),
    access: (l) => m?.requests.labels(String(l.status)).inc(),
  });
  const backend = deps.queueBackend ?? (deps.store ? sqliteBackend(deps.store, (e) => deps.log?.warn({ err: String(e) }, 'sendsms store write failed')) : memoryBackend());
  const queue = new SmsQueue(options.queue.max, options.dlr.maxCorrelations, backend);
  const dlr = new DlrDispatcher(options.dlr, {
    ...(deps.dlrGet ? { get: deps.dlrGet } : {}),
    ...(deps.log ? { log: deps.log } : {}),
    count: (o) => m?.dlr.labels(o).inc(),
  });
  let timer: { cancel(): void } | undefined;
  let wakeAt = Infinity;
  let running = 0;
  let submitting = 0;
  let closed = false;
  let smsRef = Math.floor(Math.random() * 256);
  const counters = { delivered: 0, failed: 0 };
  const inflight = new Set<Promise<void>>();

  deps.sms?.onReceipt((r) => onReceipt(r));

  // ---------------- accepting ----------------

  async function sendsms(req: SmsboxRequest): Promise<SmsboxAnswer> {
    // Credentials are checked here, in Kannel's order (a POST's body type first), not by the listener.
    const cred = sendsmsCredentials(req);
    if ('status' in cred) {
      deps.rejected?.('sendsms_bad_request');
      return cred;
    }
    const user = listener.authenticate(cred.username, cred.password, req.ip);
    if (!user) {
      deps.rejected?.('auth');
      deps.log?.warn({ ip: req.ip, user: cred.username }, 'sendsms: authorization failed');
      return { status: 403, body: AUTH_FAILED };
    }
    req = { ...req, user };
    const parsed = parseSendsms(req, {
      maxMessages: user.maxMessages ?? options.maxMessages,
      globalSender: options.globalSender,
      ...(user.defaultSender ? { defaultSender: user.defaultSender } : {}),
      ...(user.dlrUrl ? { defaultDlrUrl: user.dlrUrl } : {}),
    });
    if (!('to' in parsed)) {
      deps.rejected?.('sendsms_bad_request');
      return parsed;
    }
    if (parsed.kind === 'sms' && !deps.sms) {
      deps.rejected?.('sendsms_no_smsc');
      return { status: 400, body: 'No SMSC configured (push.smpp): only WAP Push (UDH with a 16-bit port element) can be delivered, rejected' };
    }
    if (parsed.kind === 'wdp' && !deps.sms && !deps.wdp) {
      return { status: 400, body: 'No bearer configured for WDP (neither the IP bearer nor an SMSC), rejected' };
    }
    if (!queue.hasRoom(parsed.to.length)) {
      deps.rejected?.('sendsms_queue_full');
      return { status: 503, body: ANSWER.busy, headers: { 'retry-after': String(Math.max(1, Math.round(options.queue.retryInterval / 1000))) } };
    }
    const now = clock.now();
    const { to, ...msg } = parsed;
    const expires = now + Math.min(options.queue.expiry, msg.validity ? msg.validity * 60_000 : Infinity);
    const notBefore = msg.kind === 'wdp' && msg.deferred ? now + msg.deferred * 60_000 : now;
    const jobs: SmsJob[] = to.map((t) => ({ id: randomUUID(), to: t, msg, accepted: now, expires, notBefore, attempts: 0 }));
    try {
      await queue.add(jobs);
    } catch (e) {
      deps.log?.warn({ err: String(e) }, 'sendsms: message not stored');
      return { status: 503, body: ANSWER.busy, headers: { 'retry-after': '5' } };
    }
    for (const _ of jobs) m?.messages.labels(msg.kind === 'wdp' ? 'wdp' : 'sms', 'accepted').inc();
    m?.depth.set(queue.size);
    deps.log?.info({ user: msg.user, to: to.length, kind: msg.kind, ids: jobs.map((j) => j.id) }, 'sendsms accepted');
    kick();
    return { status: 202, body: ANSWER.accepted };
  }
  listener.mount('/cgi-bin/sendsms', sendsms, { auth: 'none' });

  // ---------------- delivering ----------------

  function kick(): void {
    if (closed) return;
    const now = clock.now();
    const free = options.queue.concurrency - running;
    if (free > 0) for (const job of queue.take(now, free)) attempt(job);
    expireCorrelations(now);
    arm();
  }

  function arm(): void {
    const next = queue.nextWake();
    if (next === undefined) {
      timer?.cancel();
      timer = undefined;
      wakeAt = Infinity;
      return;
    }
    if (timer && next >= wakeAt) return;
    timer?.cancel();
    wakeAt = next;
    timer = clock.setTimer(Math.max(0, next - clock.now()), () => {
      timer = undefined;
      wakeAt = Infinity;
      kick();
    });
  }

  function attempt(job: SmsJob): void {
    running++;
    job.attempts++;
    const started = clock.now();
    // A shared backend may refuse the attempt (another node owns the job now): then nothing is settled here.
    const p = queue
      .claim(job)
      .then((mine) => (mine ? deliver(job) : undefined))
      .catch((e: unknown): Outcome => ({ retry: String((e as Error)?.message ?? e) }))
      .then((o) => void (o && settle(job, o, started)))
      .finally(() => {
        running--;
        inflight.delete(p);
        m?.depth.set(queue.size);
        kick();
      });
    inflight.add(p);
  }

  function variants(msisdn: string): string[] {
    const digits = msisdn.replace(/^\+/, '').replace(/^00/, '');
    return [...new Set([msisdn, `+${digits}`, digits])];
  }

  async function deliver(job: SmsJob): Promise<Outcome> {
    const msg = job.msg;
    if (clock.now() > job.expires) return { fail: `not delivered within its validity${job.lastError ? ` (last: ${job.lastError})` : ''}`, permanent: true };
    if (msg.kind === 'wdp' && deps.wdp) {
      const ip = variants(job.to).map((n) => deps.resolveMsisdn?.(n)).find((x) => x !== undefined);
      if (ip) {
        // WAP-259 §6.3: WDP over IP, the datagram as given, to the destination port of the UDH. A send that
        // throws (the gateway not started yet) is retried.
        await deps.wdp.sendDatagram(msg.data, ip, msg.ports!.dst);
        return { done: 'ip', parts: 1, bytes: msg.data.length };
      }
    }
    if (!deps.sms) return { retry: 'receiver has no active IP in the subscriber map and no SMSC is configured' };
    const ref = (smsRef = (smsRef + 1) & 0xff);
    let parts: SmsPart[];
    try {
      parts = msg.kind === 'wdp' ? wdpParts(msg.data, msg.ports!, ref) : plainParts({ coding: msg.coding, data: msg.data, udh: msg.udh }, ref);
    } catch (e) {
      return { fail: String((e as Error).message), permanent: true };
    }
    submitting++;
    try {
      const ids = await deps.sms.submitUserData(
        job.to,
        parts.map((p) => p.userData),
        {
          receipt: (msg.dlrMask & (DlrType.DELIVERED | DlrType.UNDELIVERED | DlrType.BUFFERED)) !== 0,
          priority: (msg.priority ?? 0) as 0 | 1 | 2 | 3,
          dataCoding: msg.kind === 'wdp' ? 0x04 : msg.dataCoding,
          udhi: parts[0]!.udhi,
          ...(msg.from ? { sourceAddr: msg.from } : {}),
          ...(msg.validity ? { validityMinutes: msg.validity } : {}),
          ...(msg.deferred && msg.kind === 'sms' ? { deferredMinutes: msg.deferred } : {}),
        },
      );
      return { done: 'sms', ids, parts: parts.length, bytes: parts.reduce((n, p) => n + p.userData.length, 0) };
    } catch (e) {
      if (e instanceof SmsSubmitError && e.permanent) return { fail: `NACK/${e.status ?? ''}/${e.message}`, permanent: true };
      return { retry: `SMSC: ${(e as Error).message}` };
    } finally {
      // Settlement (and so the correlation) follows in a later microtask: keep early receipts until then.
      setTimeout(() => submitting--, 0).unref?.();
    }
  }

  function settle(job: SmsJob, o: Outcome, started: number): void {
    const now = clock.now();
    if ('retry' in o) {
      job.lastError = o.retry;
      if (now + options.queue.retryInterval > job.expires) return settle(job, { fail: `not delivered within its validity (last: ${o.retry})`, permanent: true }, started);
      job.notBefore = now + options.queue.retryInterval;
      queue.release(job);
      deps.log?.warn({ id: job.id, to: job.to, err: o.retry }, 'sendsms delivery failed, will retry');
      return;
    }
    queue.done(job);
    const bearer = job.msg.kind === 'wdp' && 'done' in o && o.done === 'ip' ? 'ip' : 'sms';
    if ('fail' in o) {
      counters.failed++;
      m?.messages.labels(bearer, 'undeliverable').inc();
      report(job, DlrType.SMSC_NACK, o.fail.startsWith('NACK/') ? o.fail : `NACK/${o.fail}`, now);
      cdr(job, 'undeliverable', bearer, 0, now - started);
      deps.log?.warn({ id: job.id, to: job.to, err: o.fail }, 'sendsms message undeliverable');
      return;
    }
    counters.delivered++;
    m?.messages.labels(bearer, 'delivered').inc();
    // dlr-mask 8: delivered to the SMSC, or for the IP bearer handed to it ("delivered to bearer").
    report(job, DlrType.SMSC_ACK, 'ACK/', now, o.ids?.[0]);
    cdr(job, o.done === 'ip' ? 'delivered' : 'submitted', bearer, o.bytes, now - started);
    const want = job.msg.dlrMask & (DlrType.DELIVERED | DlrType.UNDELIVERED | DlrType.BUFFERED);
    if (o.done === 'sms' && want && o.ids?.length && job.msg.dlrUrl) {
      const { user, from, coding, dataCoding, udhRaw, dlrMask, dlrUrl, binfo, account, metaData } = job.msg;
      queue.correlate({
        jobId: job.id,
        to: job.to,
        pending: [...o.ids],
        msg: { user, from, coding, dataCoding, ...(udhRaw ? { udhRaw } : {}), dlrMask, dlrUrl, ...(binfo ? { binfo } : {}), ...(account ? { account } : {}), ...(metaData ? { metaData } : {}) },
        created: now,
      });
      for (const id of o.ids) {
        const r = early.get(id);
        if (r) {
          early.delete(id);
          onReceipt(r);
        }
      }
    }
  }

  // Receipts that overtake their submit_sm's settlement (an SMSC may answer at once, before the last part of
  // the message is submitted); kept briefly, bounded, and replayed when the correlation is made.
  const early = new Map<string, SmsReceipt>();

  function onReceipt(r: SmsReceipt): void {
    const c = queue.bySmsc(r.messageId);
    if (!c) {
      // Not (yet) ours: the PPG's, already reported, or early.
      if (submitting === 0) return;
      if (early.size >= 1024) early.delete(early.keys().next().value!);
      early.set(r.messageId, r);
      return;
    }
    const now = clock.now();
    const answer = `id:${r.messageId} stat:${receiptStat(r.state)} err:${String(r.error ?? 0).padStart(3, '0')}`;
    const err = r.error ?? 0;
    if (r.state === 'accepted' || r.state === 'enroute') {
      reportC(c, DlrType.BUFFERED, answer, now, r.messageId, 'smpp', err);
      return;
    }
    if (r.state === 'delivered') {
      if (queue.settle(c, r.messageId)) reportC(c, DlrType.DELIVERED, answer, now, r.messageId, 'smpp', err);
      return;
    }
    // One failed part fails the message: reported once, the other parts' receipts are not awaited.
    queue.uncorrelate(c);
    reportC(c, DlrType.UNDELIVERED, answer, now, r.messageId, 'smpp', err);
  }

  function expireCorrelations(now: number): void {
    for (const c of queue.staleCorrelations(now - options.queue.expiry)) queue.uncorrelate(c);
  }

  function report(job: SmsJob, type: number, answer: string, now: number, foreignId?: string): void {
    const { user, from, coding, dataCoding, udhRaw, dlrMask, dlrUrl, binfo, account, metaData } = job.msg;
    reportC({ jobId: job.id, to: job.to, pending: [], created: now, msg: { user, from, coding, dataCoding, ...(udhRaw ? { udhRaw } : {}), dlrMask, ...(dlrUrl ? { dlrUrl } : {}), ...(binfo ? { binfo } : {}), ...(account ? { account } : {}), ...(metaData ? { metaData } : {}) } }, type, answer, now, foreignId, job.msg.kind === 'wdp' && type === DlrType.SMSC_ACK && !foreignId ? 'ip' : 'smpp');
  }

  function reportC(c: Correlation, type: number, answer: string, now: number, foreignId?: string, smsc = 'smpp', receiptErr?: number): void {
    const msg = c.msg;
    if (!msg.dlrUrl || !(msg.dlrMask & type)) return;
    const url = expandDlrUrl(msg.dlrUrl, {
      type,
      answer,
      receiver: c.to,
      sender: msg.from,
      time: now,
      id: c.jobId,
      ...(foreignId ? { foreignId } : {}),
      user: msg.user,
      coding: msg.coding,
      dcs: msg.dataCoding,
      ...(msg.udhRaw ? { udh: msg.udhRaw } : {}),
      smsc,
      ...(receiptErr !== undefined ? { binfo: String(receiptErr).padStart(3, '0') } : {}),
      ...(msg.account ? { account: msg.account } : {}),
      ...(msg.metaData ? { metaData: msg.metaData } : {}),
      dlrUrl: msg.dlrUrl,
      mask: msg.dlrMask,
    });
    dlr.call(url);
  }

  function cdr(job: SmsJob, outcome: string, bearer: 'ip' | 'sms', bytes: number, durationMs: number): void {
    if (!deps.charging) return;
    const rec: Cdr = {
      time: new Date(clock.now()).toISOString(),
      kind: 'push',
      clientIp: '',
      clientPort: bearer === 'ip' ? job.msg.ports?.dst ?? 0 : 0,
      msisdn: job.to,
      bearer: bearer === 'ip' ? 'push-ip' : 'push-sms',
      method: 'sendsms',
      url: `sendsms:${job.msg.user}:${job.id}`,
      bytesUp: job.msg.text.length,
      bytesDown: bytes,
      durationMs,
      outcome,
    };
    try {
      deps.charging.record(rec);
    } catch (e) {
      deps.log?.warn({ err: String(e) }, 'CDR not recorded');
    }
  }

  if (queue.size) {
    queue.dueNow(clock.now());
    deps.log?.info({ restored: queue.size, correlations: queue.correlations }, 'sendsms queue restored');
    m?.depth.set(queue.size);
    kick();
  }

  return {
    options,
    listener,
    queue,
    listen: (port = options.port ?? 13013, host = options.bind) => listener.listen(port, host),
    setAccess: (a) => listener.setAccess(a),
    absorb(jobs, correlations) {
      const r = queue.absorb(jobs, correlations);
      m?.depth.set(queue.size);
      kick();
      return r;
    },
    stats: () => ({ queued: queue.size, correlations: queue.correlations, dlrPending: dlr.pending + dlr.active, ...counters }),
    async close() {
      closed = true;
      timer?.cancel();
      await listener.close();
      await Promise.allSettled([...inflight]);
      await dlr.close();
    },
  };
}

function receiptStat(s: SmsReceipt['state']): string {
  return { delivered: 'DELIVRD', expired: 'EXPIRED', undeliverable: 'UNDELIV', rejected: 'REJECTD', deleted: 'DELETED', unknown: 'UNKNOWN', accepted: 'ACCEPTD', enroute: 'ENROUTE' }[s];
}

export type { SendsmsMessage };
