/**
 * The PPG engine (WAP-249 §5–6): accepts pushes from the PAP side, chooses the bearer for each address,
 * delivers (IP connectionless, IP confirmed over WTP class 1, WDP over SMS), retries until deliver-before,
 * and reports how each delivery ended (result notification to the PI, events, metrics, CDRs).
 */
import { NoPushSessionError } from '../gateway/confirmed-push.ts';
import { mmsSummary } from '../charging/mms-summary.ts';
import { wallClock, type PpgClock, type PpgDeps, type PushResultEvent, type RecoveryReport } from './engine-types.ts';
import { EventEmitter } from 'node:events';
import type { Cdr, ChargingSink } from '../gateway/hooks.ts';
import { WdpPort, segmentCount, segmentWdp } from '../bearer/sms/wdp.ts';
import type { PushAddress } from './address.ts';
import { SmsSubmitError, type ConfirmedPushInitiator, type PushTransport, type SmsPushSender, type SmsReceipt } from './delivery.ts';
import { PapCode, PapError, papCodeDescription } from './pap-codes.ts';
import type { CancelMessage, PushMessage, StatusQueryMessage } from './pap-parse.ts';
import type { CancelResult, MessageState, StatusResult } from './pap-xml.ts';
import { PPG_DEFAULTS, type PpgOptions } from './options.ts';
import { encodeConfirmedPush, encodePushDatagram, type PushPduInput } from './push-pdu.ts';
import { bearerLabel, checkSubmission, chooseRoute, type Route } from './routing.ts';
import { ResultNotifier } from './notifier.ts';
import { selectTargets, statusOf } from './select.ts';
import { MemoryPushQueue, type PushQueue, type RecoveredQueue } from './queue.ts';
import { PushStore, isFinal, type Bearer, type NewPushRecord, type PushRecord, type Target } from './store.ts';

export { wallClock } from './engine-types.ts';
export type { PpgClock, PpgDeps, PpgLogger, PpgMetrics, PushResultEvent, RecoveryReport } from './engine-types.ts';

/** WAP-247 §9.13 (5xxx): a WTP/WSP abort reason reported as 5000 + reason. */
function abortCode(e: unknown): number {
  const reason = (e as { reason?: { code?: number } })?.reason?.code;
  return typeof reason === 'number' && reason >= 0 && reason < 256 ? 5000 + reason : PapCode.MOBILE_CLIENT_ABORTED;
}

export class PpgEngine extends EventEmitter<{ result: [PushResultEvent] }> {
  readonly store: PushStore;
  readonly queue: PushQueue;
  private readonly notifier: ResultNotifier;
  private readonly clock: PpgClock;
  private kickPending: NodeJS.Immediate | undefined;
  private timer: { cancel(): void } | undefined;
  private wakeAt = Infinity;
  private running = 0;
  private tid = 0;
  private smsRef = 0;
  private closed = false;
  private readonly receipts = new Map<string, { rec: PushRecord; target: Target }>();
  /** Receipts that overtook their submit_sm_resp's settlement (the SMSC may answer at once); bounded. */
  private readonly earlyReceipts = new Map<string, SmsReceipt>();
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    readonly opts: PpgOptions,
    readonly deps: PpgDeps,
  ) {
    super();
    this.clock = deps.clock ?? wallClock;
    this.store = new PushStore(opts.queue.max, opts.queue.keepFinished ?? PPG_DEFAULTS.queue.keepFinished);
    this.queue = deps.queue ?? new MemoryPushQueue();
    this.notifier = new ResultNotifier(
      {
        papPath: opts.papPath,
        senderName: this.senderName,
        notifyTimeout: opts.notifyTimeout ?? PPG_DEFAULTS.notifyTimeout,
        retryInterval: opts.queue.retryInterval,
        keepFinished: opts.queue.keepFinished ?? PPG_DEFAULTS.queue.keepFinished,
      },
      this.clock,
      deps.log,
      deps.notify,
      (rec, t) => {
        t.notifyOwed = false;
        void this.persist(rec, t);
      },
    );
    deps.sms?.onReceipt((r) => this.onReceipt(r));
  }

  get senderName(): string {
    return this.opts.senderName ?? PPG_DEFAULTS.senderName;
  }

  // ---------------- PAP operations ----------------

  /**
   * WAP-247 §9.2 push submission: checks, then queues; resolves once the push is durable in the queue (the PAP
   * answer 1001 waits for that). Nothing is queued when a PapError is thrown.
   */
  async submit(msg: PushMessage, content: PushPduInput, initiator: { ip: string; user?: string }): Promise<{ code: number; desc: string }> {
    const now = this.clock.now();
    const existing = this.store.get(msg.pushId);
    if (existing) throw new PapError(PapCode.DUPLICATE_PUSH_ID, `push-id ${msg.pushId} already used`);
    // WAP-247 §9.2.2: a push whose deliver-before time has passed cannot be delivered.
    if (msg.deliverBefore && msg.deliverBefore.getTime() <= now) {
      throw new PapError(PapCode.BAD_REQUEST, 'deliver-before-timestamp is in the past');
    }
    checkSubmission(msg, this.opts, this.deps);
    const seen = new Set<string>();
    for (const a of msg.addresses) {
      const key = `${a.type}:${a.value}`;
      if (seen.has(key)) throw new PapError(PapCode.ADDRESS_ERROR, `address ${a.raw} given twice`);
      seen.add(key);
    }
    // Burst protection: the queue is bounded; beyond it the PI is told to come back (4001), nothing dropped.
    if (!this.store.hasRoom(msg.addresses.length)) {
      throw new PapError(PapCode.SERVICE_UNAVAILABLE, `pending-push queue full (${this.store.maxPending})`);
    }
    if (msg.replacePushId && msg.replaceMethod === 'pending-only' && !this.store.get(msg.replacePushId)) {
      throw new PapError(PapCode.PUSH_ID_NOT_FOUND, `replace-push-id ${msg.replacePushId} not found`);
    }
    const deliverAfter = msg.deliverAfter?.getTime();
    const targets: NewPushRecord['targets'] = msg.addresses.map((address) => ({
      address,
      state: 'pending',
      code: PapCode.ACCEPTED_FOR_PROCESSING,
      eventTime: now,
      attempts: 0,
      notBefore: Math.max(now, deliverAfter ?? now),
      busy: false,
    }));
    const rec = this.store.add({
      pushId: msg.pushId,
      version: msg.version,
      receivedTime: now,
      deliverBefore: msg.deliverBefore?.getTime() ?? now + this.opts.queue.expiry,
      ...(deliverAfter !== undefined ? { deliverAfter } : {}),
      priority: msg.qos.priority,
      qos: msg.qos,
      ...(msg.notifyTo ? { notifyTo: msg.notifyTo } : {}),
      ...(msg.sourceReference ? { sourceReference: msg.sourceReference } : {}),
      initiator,
      content,
      targets,
    });
    // Durable before the answer: a push answered 1001 is delivered or reported even if the process dies now.
    const inserted = this.queue.insert(rec);
    // Targets due now are claimed at once: their claims ride in the same commit as the insert (one fsync, not
    // two), and nothing is sent before that commit. A refused insert makes those claims fail.
    this.store.schedule(rec);
    this.kick();
    let stored: boolean;
    try {
      stored = await inserted;
    } catch (e) {
      this.store.delete(rec);
      this.deps.log?.warn({ pushId: msg.pushId, err: String((e as Error)?.message ?? e) }, 'push not stored: refused with 4001');
      throw new PapError(PapCode.SERVICE_UNAVAILABLE, `push queue not writable: ${(e as Error)?.message ?? e}`);
    }
    if (!stored) {
      this.store.delete(rec);
      throw new PapError(PapCode.DUPLICATE_PUSH_ID, `push-id ${msg.pushId} already used`);
    }
    // Only once the new push is sure to be queued does the one it replaces go.
    if (msg.replacePushId) this.replace(msg.replacePushId, msg.replaceMethod ?? 'all', rec);
    this.deps.metrics?.pushQueueDepth.set(this.store.pending);
    for (const _ of targets) this.deps.metrics?.pushes.labels(bearerLabel(msg.qos), 'accepted').inc();
    this.deps.log?.info({ pushId: msg.pushId, addresses: msg.addresses.length, pi: initiator.ip }, 'push accepted');
    return { code: PapCode.ACCEPTED_FOR_PROCESSING, desc: papCodeDescription(PapCode.ACCEPTED_FOR_PROCESSING) };
  }

  /** WAP-247 §9.4 cancel: pending targets become cancelled; finished ones cannot be. */
  cancel(msg: CancelMessage): CancelResult[] {
    const rec = this.store.get(msg.pushId);
    if (!rec) return [{ code: PapCode.PUSH_ID_NOT_FOUND, desc: `push-id ${msg.pushId} not found` }];
    const targets = this.select(rec, msg.addresses);
    if (!targets) return [{ code: PapCode.ADDRESS_NOT_FOUND, desc: 'address not part of this push', addresses: msg.addresses!.map((a) => a.raw) }];
    const done: string[] = [];
    const refused: string[] = [];
    const now = this.clock.now();
    for (const t of targets) {
      // WAP-249 §5.4: only what has not been handed to the bearer can be cancelled.
      if (isFinal(t) || t.busy || t.awaitingReceipts?.size) refused.push(t.address.raw);
      else {
        this.finish(rec, t, 'cancelled', PapCode.OK, 'Cancelled by the push initiator', now);
        done.push(t.address.raw);
      }
    }
    const out: CancelResult[] = [];
    if (done.length) out.push({ code: PapCode.OK, desc: 'Cancelled', addresses: done });
    if (refused.length) out.push({ code: PapCode.CANCELLATION_NOT_POSSIBLE, addresses: refused });
    return out;
  }

  /** WAP-247 §9.5 status query. */
  status(msg: StatusQueryMessage): StatusResult[] {
    const rec = this.store.get(msg.pushId);
    if (!rec) return [{ state: 'unknown', code: PapCode.PUSH_ID_NOT_FOUND, desc: `push-id ${msg.pushId} not found` }];
    const targets = this.select(rec, msg.addresses);
    if (!targets) return [{ state: 'unknown', code: PapCode.ADDRESS_NOT_FOUND, addresses: msg.addresses!.map((a) => a.raw) }];
    return targets.map((t) => statusOf(t, rec.qos));
  }

  private select(rec: PushRecord, addresses: readonly PushAddress[] | undefined): Target[] | undefined {
    return selectTargets(rec.targets, addresses)?.map(({ t }) => t);
  }

  private replace(pushId: string, method: 'all' | 'pending-only', by: PushRecord): void {
    const old = this.store.get(pushId);
    // (pending-only with an unknown id was refused before the new push was stored)
    if (!old || old === by) return;
    const now = this.clock.now();
    for (const t of old.targets) {
      if (!isFinal(t) && !t.busy) this.finish(old, t, 'cancelled', PapCode.OK, `Replaced by a newer push`, now);
    }
  }

  // ---------------- delivery ----------------

  /** Runs kick() once, after the current turn (many submissions and settlements share one pass). */
  private kickSoon(): void {
    if (this.closed || this.kickPending) return;
    this.kickPending = setImmediate(() => {
      this.kickPending = undefined;
      this.kick();
    });
  }

  /** Runs due attempts and expiries now, then re-arms the timer. */
  kick(): void {
    if (this.closed) return;
    const now = this.clock.now();
    for (const { rec, target } of this.store.expired(now)) {
      if (target.awaitingReceipts?.size) {
        // WAP-247 §9.13 'timeout': handed to the SMSC, but no delivery receipt came before deliver-before.
        this.finish(rec, target, 'timeout', PapCode.SERVICE_FAILURE, 'Submitted to the SMSC; no delivery receipt before deliver-before-timestamp', now);
        continue;
      }
      const why = target.lastError ? `: last attempt failed (${target.lastError})` : '';
      this.finish(rec, target, 'expired', PapCode.SERVICE_FAILURE, `Not delivered before deliver-before-timestamp${why}`, now);
    }
    const concurrency = this.opts.queue.concurrency ?? PPG_DEFAULTS.queue.concurrency;
    // A target with no route yet goes back on the schedule without taking a slot: ask again until slots or due
    // targets run out.
    for (let limit = concurrency - this.running; limit > 0; limit = concurrency - this.running) {
      const due = this.store.due(now, limit);
      if (due.length === 0) break;
      for (const { rec, target } of due) this.attempt(rec, target);
    }
    const gone = this.store.purge(now);
    if (gone.length) this.queue.remove(gone).catch((e: unknown) => this.storeFailed(e, 'forgetting finished pushes'));
    this.arm();
  }

  /** A state change that could not be written: logged; the push goes on in memory (see docs/durability.md). */
  private storeFailed(e: unknown, what: string): void {
    this.deps.log?.warn({ err: String((e as Error)?.message ?? e) }, `push queue: ${what} not written`);
  }

  /** Writes a target's state to the queue; resolves (never rejects) once written or failed. */
  private persist(rec: PushRecord, t: Target): Promise<void> {
    return this.queue.update(rec, t).catch((e: unknown) => this.storeFailed(e, `state of ${rec.pushId}`));
  }

  private arm(): void {
    const next = this.store.nextWake();
    if (next === undefined) {
      this.timer?.cancel();
      this.timer = undefined;
      this.wakeAt = Infinity;
      return;
    }
    if (this.timer && next >= this.wakeAt) return;
    this.timer?.cancel();
    this.wakeAt = next;
    this.timer = this.clock.setTimer(Math.max(0, next - this.clock.now()), () => {
      this.timer = undefined;
      this.wakeAt = Infinity;
      this.kick();
    });
  }

  private attempt(rec: PushRecord, t: Target): void {
    const route = chooseRoute(rec, t, this.deps);
    const now = this.clock.now();
    if ('wait' in route) {
      t.lastError = route.wait;
      t.notBefore = now + this.opts.queue.retryInterval;
      this.store.schedule(rec, t);
      void this.persist(rec, t);
      return;
    }
    t.busy = true;
    t.attempts++;
    this.running++;
    const started = now;
    // The claim is durable before anything is sent: a push that was on its way when the process died is known
    // as such after the restart (sent again, counted as a possible duplicate), never lost.
    const p = this.queue
      .claim(rec, t)
      .then(
        (mine) =>
          mine
            ? this.deliver(rec, t, route)
                .then((outcome) => this.settle(rec, t, route, outcome, started))
                .catch((e: unknown) => this.settle(rec, t, route, { retry: String((e as Error)?.message ?? e) }, started))
            : void (t.notBefore = this.clock.now() + this.opts.queue.retryInterval),
        (e: unknown) => this.settle(rec, t, route, { retry: `push queue: ${(e as Error)?.message ?? e}` }, started),
      )
      .finally(() => {
        t.busy = false;
        this.running--;
        this.inflight.delete(p);
        // settle() decided the next step while the target was still busy: put it back on the schedule now.
        if (!isFinal(t) && !t.awaitingReceipts?.size) this.store.schedule(rec, t);
        this.kickSoon();
      });
    this.inflight.add(p);
  }

  private async deliver(
    rec: PushRecord,
    t: Target,
    route: Exclude<Route, { wait: string }>,
  ): Promise<{ final: [MessageState, number, string]; bearer: Bearer; bytes: number } | { awaiting: string[]; bytes: number } | { retry: string }> {
    const pdu = rec.content;
    if (route.bearer === 'ip') {
      const confirmed = rec.qos.deliveryMethod === 'confirmed' || (rec.qos.deliveryMethod === 'preferconfirmed' && !!this.deps.wtp);
      if (confirmed && this.deps.wtp) {
        // WAP-235 §6.2.2 / WAP-230 §8.2.4.1: ConfirmedPush in a WTP class 1 invoke to the confirmed push port.
        const data = encodeConfirmedPush(pdu);
        try {
          await this.deps.wtp.invoke({ address: route.ip, port: this.opts.confirmedPushPort }, data, { class: 1 });
          return { final: ['delivered', PapCode.OK, 'Confirmed by the handset'], bearer: 'ip-co', bytes: data.length };
        } catch (e) {
          if (!(e instanceof NoPushSessionError)) {
            return { final: ['aborted', abortCode(e), `Handset did not confirm: ${(e as Error).message}`], bearer: 'ip-co', bytes: data.length };
          }
          // WAP-247 §9.13 preferconfirmed: confirmed where the handset's session allows it, else unconfirmed.
          if (rec.qos.deliveryMethod !== 'preferconfirmed') {
            // A session that did not negotiate the Confirmed Push Facility (WAP-230 §8.3.2.3) never will: 3007.
            if (e.reason === 'no-confirmed-push') return { final: ['undeliverable', PapCode.SPECIFIED_DELIVERY_METHOD_NOT_POSSIBLE, e.message], bearer: 'ip-co', bytes: 0 };
            // No session yet: the handset may connect (or answer the Session Initiation Request) later, so the
            // push stays queued until deliver-before, as Kannel keeps it waiting for the session.
            return { retry: e.message };
          }
        }
      }
      // WAP-235 §6.2.1: unconfirmed push, connectionless WSP Push to the handset's port 2948.
      const datagram = encodePushDatagram(this.nextTid(), pdu);
      await this.deps.transport!.sendDatagram(datagram, route.ip, this.opts.pushPort);
      return { final: ['delivered', PapCode.OK, `Sent as unconfirmed push to ${route.ip}:${this.opts.pushPort}`], bearer: 'ip-cl', bytes: datagram.length };
    }
    // WAP-259 §6.5: WDP over SMS, ports 9200 → 2948, concatenated when longer than one message.
    const datagram = encodePushDatagram(this.nextTid(), pdu);
    const segments = segmentCount(datagram.length);
    // 23.040 §9.2.3.24.1: at most 255 concatenated messages — a larger push can never go by SMS.
    if (segments > 255) {
      return { final: ['undeliverable', PapCode.NOT_POSSIBLE, `push of ${datagram.length} octets needs ${segments} SMS (at most 255)`], bearer: 'sms', bytes: 0 };
    }
    const blocks = segmentWdp(datagram, { ref: this.nextSmsRef(), dstPort: WdpPort.PUSH_CL, srcPort: WdpPort.WSP_CL });
    const receipt = this.opts.smpp.deliveryReceipts ?? PPG_DEFAULTS.smpp.deliveryReceipts;
    const priority = rec.priority === 'high' ? 2 : rec.priority === 'low' ? 0 : 1;
    try {
      const ids = await this.deps.sms!.submitUserData(route.msisdn, blocks, { receipt, priority });
      if (receipt && ids.length) return { awaiting: ids, bytes: datagram.length };
      return { final: ['delivered', PapCode.OK, `Accepted by the SMSC (${blocks.length} SMS)`], bearer: 'sms', bytes: datagram.length };
    } catch (e) {
      if (e instanceof SmsSubmitError && e.permanent) {
        return { final: ['undeliverable', PapCode.ADDRESS_ERROR, `SMSC refused: ${e.message}`], bearer: 'sms', bytes: datagram.length };
      }
      return { retry: `SMSC: ${(e as Error).message}` };
    }
  }

  private settle(
    rec: PushRecord,
    t: Target,
    route: Exclude<Route, { wait: string }>,
    outcome: Awaited<ReturnType<PpgEngine['deliver']>>,
    started: number,
  ): void {
    const now = this.clock.now();
    t.bearer = route.bearer === 'sms' ? 'sms' : t.bearer ?? 'ip-cl';
    if ('retry' in outcome) {
      t.lastError = outcome.retry;
      t.notBefore = now + this.opts.queue.retryInterval;
      void this.persist(rec, t);
      this.deps.log?.warn({ pushId: rec.pushId, address: t.address.raw, error: outcome.retry }, 'push attempt failed, will retry');
      return;
    }
    if ('awaiting' in outcome) {
      t.awaitingReceipts = new Set(outcome.awaiting);
      void this.persist(rec, t);
      for (const id of outcome.awaiting) this.receipts.set(id, { rec, target: t });
      for (const id of outcome.awaiting) {
        const early = this.earlyReceipts.get(id);
        if (early) {
          this.earlyReceipts.delete(id);
          this.onReceipt(early);
        }
      }
      return;
    }
    t.bearer = outcome.bearer;
    const [state, code, desc] = outcome.final;
    this.finish(rec, t, state, code, desc, now, { bytes: outcome.bytes, durationMs: now - started, route });
  }

  private onReceipt(r: SmsReceipt): void {
    const hit = this.receipts.get(r.messageId);
    if (!hit) {
      if (this.earlyReceipts.size >= 1024) this.earlyReceipts.delete(this.earlyReceipts.keys().next().value!);
      this.earlyReceipts.set(r.messageId, r);
      return;
    }
    const { rec, target } = hit;
    if (r.state === 'accepted' || r.state === 'enroute') return; // intermediate (SMPP 3.4 Appendix B)
    this.receipts.delete(r.messageId);
    const now = this.clock.now();
    if (r.state !== 'delivered') {
      for (const id of target.awaitingReceipts ?? []) this.receipts.delete(id);
      target.awaitingReceipts?.clear();
      const state: MessageState = r.state === 'expired' ? 'expired' : 'undeliverable';
      const err = r.error !== undefined ? ` err:${r.error}` : '';
      this.finish(rec, target, state, PapCode.SERVICE_FAILURE, `SMSC delivery receipt: ${r.state}${err}`, now);
    } else {
      target.awaitingReceipts?.delete(r.messageId);
      if (!target.awaitingReceipts?.size) this.finish(rec, target, 'delivered', PapCode.OK, 'Delivery receipt from the SMSC', now);
      else void this.persist(rec, target);
    }
    this.kickSoon();
  }

  private finish(
    rec: PushRecord,
    t: Target,
    state: MessageState,
    code: number,
    desc: string,
    now: number,
    info: { bytes?: number; durationMs?: number; route?: Exclude<Route, { wait: string }> } = {},
  ): void {
    if (!this.store.transition(t, state, code, desc, now, rec)) return;
    for (const id of t.awaitingReceipts ?? []) this.receipts.delete(id);
    t.awaitingReceipts?.clear();
    // The final state and the notification owed are written together; the PI hears of it only after that.
    if (rec.notifyTo) t.notifyOwed = true;
    const written = this.persist(rec, t);
    const bearer = t.bearer;
    this.deps.metrics?.pushQueueDepth.set(this.store.pending);
    this.deps.metrics?.pushes.labels(bearer ?? 'ip-cl', state === 'aborted' || state === 'timeout' ? 'undeliverable' : state).inc();
    this.deps.log?.info({ pushId: rec.pushId, address: t.address.raw, state, code, bearer }, 'push finished');
    const ev: PushResultEvent = { pushId: rec.pushId, address: t.address.raw, state, code, desc, ...(bearer ? { bearer } : {}) };
    this.emit('result', ev);
    this.cdr(rec, t, info);
    if (rec.notifyTo) void written.then(() => this.notifier.notify(rec, t));
  }

  private cdr(rec: PushRecord, t: Target, info: { bytes?: number; durationMs?: number; route?: Exclude<Route, { wait: string }> }): void {
    if (!this.deps.charging) return;
    const route = info.route;
    const cdr: Cdr = {
      time: new Date(t.eventTime).toISOString(),
      kind: 'push',
      clientIp: route?.bearer === 'ip' ? route.ip : '',
      clientPort: route?.bearer === 'ip' ? this.opts.pushPort : 0,
      bearer: t.bearer === 'sms' ? 'push-sms' : 'push-ip',
      bytesUp: 0,
      bytesDown: info.bytes ?? 0,
      durationMs: info.durationMs ?? t.eventTime - rec.receivedTime,
      url: rec.pushId,
      outcome: t.state,
    };
    const msisdn = route?.bearer === 'sms' ? route.msisdn : route?.msisdn ?? (t.address.type === 'PLMN' ? t.address.value : undefined);
    if (msisdn) cdr.msisdn = msisdn;
    const mms = mmsSummary(rec.content.body, rec.content.contentType);
    if (mms) cdr.mms = mms;
    try {
      this.deps.charging.record(cdr);
    } catch (e) {
      this.deps.log?.warn({ err: String(e) }, 'CDR not recorded');
    }
  }

  private nextTid(): number {
    this.tid = (this.tid + 1) & 0xff;
    return this.tid;
  }

  private nextSmsRef(): number {
    this.smsRef = (this.smsRef + 1) & 0xff;
    return this.smsRef;
  }

  /**
   * Reads the durable queue back (at start, before the first PAP request): pushes still to deliver go on the
   * schedule (those past deliver-before expire and are reported), targets that were in an attempt when the last
   * run stopped go again (counted: pushes_total{outcome="redelivered"}), owed notifications are sent.
   */
  async recover(): Promise<RecoveryReport> {
    return this.absorb(await this.queue.recover());
  }

  /**
   * Schedules pushes read from the queue: at start (recover), and when a shared queue hands this node the open
   * pushes of a node taken for dead (src/state/push-queue-redis.ts 'adopt'). Targets that were in an attempt go
   * again, counted as redelivered; owed notifications are sent.
   */
  absorb(found: RecoveredQueue): RecoveryReport {
    const inFlight = new Set(found.inFlight.map((x) => `${x.pushId}\u0000${x.index}`));
    const report: RecoveryReport = { records: 0, pending: 0, inFlight: 0, notifications: 0 };
    for (const r of found.records) {
      if (this.store.get(r.pushId)) continue;
      const rec = this.store.add(r);
      report.records++;
      for (const t of rec.targets) {
        for (const id of t.awaitingReceipts ?? []) this.receipts.set(id, { rec, target: t });
        if (!isFinal(t)) report.pending++;
        if (inFlight.has(`${rec.pushId}\u0000${t.index}`) && !isFinal(t)) {
          report.inFlight++;
          this.deps.metrics?.pushes.labels(t.bearer ?? bearerLabel(rec.qos), 'redelivered').inc();
        }
        if (isFinal(t) && t.notifyOwed && rec.notifyTo) {
          report.notifications++;
          this.notifier.notify(rec, t);
        }
      }
      this.store.schedule(rec);
    }
    this.deps.metrics?.pushQueueDepth.set(this.store.pending);
    this.kick();
    return report;
  }

  /** Another node cancelled targets of a push this node holds (shared queue): they leave the schedule here too. */
  cancelledElsewhere(pushId: string, indexes: readonly number[]): void {
    const rec = this.store.get(pushId);
    if (!rec) return;
    const now = this.clock.now();
    for (const i of indexes) {
      const t = rec.targets[i];
      if (t && !isFinal(t) && !t.busy) this.finish(rec, t, 'cancelled', PapCode.OK, 'Cancelled by the push initiator', now);
    }
  }

  /** Whether this node holds the push (a shared queue may hold it at another node: src/push/anywhere.ts). */
  holds(pushId: string): boolean {
    return this.store.get(pushId) !== undefined;
  }

  /** Takes pushes from elsewhere (the JSON state file of an older wapgate) into the queue; known ids are skipped. */
  async adopt(records: NewPushRecord[]): Promise<number> {
    const added: PushRecord[] = [];
    for (const r of records) if (!this.store.get(r.pushId)) added.push(this.store.add(r));
    const stored = await Promise.all(added.map((rec) => this.queue.insert(rec)));
    added.forEach((rec, i) => (stored[i] ? this.store.schedule(rec) : this.store.delete(rec)));
    this.deps.metrics?.pushQueueDepth.set(this.store.pending);
    this.kick();
    return stored.filter(Boolean).length;
  }

  /** Stops scheduling; waits for running attempts and notifications (bounded by their own timeouts). */
  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    if (this.kickPending) clearImmediate(this.kickPending);
    await Promise.allSettled([...this.inflight]);
    await this.notifier.close();
    await this.queue.close();
  }
}

