/**
 * WAP-247 §9.6 result notifications to ppg-notify-requested-to (one per address). A notification is owed from
 * the moment its target's final state is written (durably, with notifyOwed) until the push initiator took it
 * (2xx), refused it for good (4xx), or keepFinished passed since the result; until then it is tried three times
 * at once and then every retryInterval — across restarts too, since the owed flag is in the queue.
 */
import type { PpgClock, PpgLogger } from './engine.ts';
import { resultNotificationXml } from './pap-xml.ts';
import type { PushRecord, Target } from './store.ts';

export interface NotifierOptions {
  papPath: string;
  senderName: string;
  notifyTimeout: number;
  retryInterval: number;
  keepFinished: number;
}

export class ResultNotifier {
  private readonly running = new Set<Promise<void>>();
  private readonly timers = new Set<{ cancel(): void }>();
  private closed = false;

  constructor(
    private readonly opts: NotifierOptions,
    private readonly clock: PpgClock,
    private readonly log: PpgLogger | undefined,
    private readonly send: ((url: string, xml: string) => Promise<number>) | undefined,
    /** The notification is no longer owed (taken, refused for good, or given up). */
    private readonly done: (rec: PushRecord, t: Target) => void,
  ) {}

  /** Sends the result of a final target (its state as it is now). */
  notify(rec: PushRecord, t: Target): void {
    if (this.closed || !rec.notifyTo) return;
    const xml = resultNotificationXml({
      version: rec.version,
      pushId: rec.pushId,
      senderAddress: this.opts.papPath,
      senderName: this.opts.senderName,
      receivedTime: new Date(rec.receivedTime),
      eventTime: new Date(t.eventTime),
      state: t.state,
      code: t.code,
      ...(t.desc ? { desc: t.desc } : {}),
      address: t.address.raw,
      qos: rec.qos,
    });
    const url = rec.notifyTo;
    const send = this.send ?? ((u: string, body: string) => this.post(u, body));
    const p = (async () => {
      for (let i = 0; i < 3; i++) {
        try {
          const status = await send(url, xml);
          if (status >= 200 && status < 300) return this.done(rec, t);
          this.log?.warn({ pushId: rec.pushId, url, status }, 'result notification refused');
          if (status < 500) return this.done(rec, t);
        } catch (e) {
          this.log?.warn({ pushId: rec.pushId, url, err: String(e) }, 'result notification failed');
        }
        if (this.closed) return;
        await new Promise((r) => setTimeout(r, 200 * (i + 1)).unref());
        if (this.closed) return;
      }
      if (this.clock.now() >= t.eventTime + this.opts.keepFinished) {
        this.log?.warn({ pushId: rec.pushId, url, address: t.address.raw }, 'result notification given up (push.queue.keepFinished passed)');
        return this.done(rec, t);
      }
      const timer = this.clock.setTimer(this.opts.retryInterval, () => {
        this.timers.delete(timer);
        this.notify(rec, t);
      });
      this.timers.add(timer);
    })().finally(() => this.running.delete(p));
    this.running.add(p);
  }

  private async post(url: string, body: string): Promise<number> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body,
      signal: AbortSignal.timeout(this.opts.notifyTimeout),
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.status;
  }

  /** Stops retrying (what is still owed stays owed in the queue) and waits for the sends under way. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }
}
