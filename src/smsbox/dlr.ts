/**
 * Delivery reports to the push source (Kannel's dlr-url): the escape codes a dlr-url may hold, expanded as
 * Kannel 1.4.5's smsbox expands them (checked against it: test/interop/sendsms-kannel.test.ts), and a bounded
 * dispatcher that calls them — a dlr-url that hangs or fails costs one slot for at most the timeout, never
 * blocks acceptance or delivery, and is never retried (called once per delivery event).
 *
 * dlr-mask bits (Kannel user guide, "Delivery Reports"): 1 delivered to phone, 2 non-delivered to phone,
 * 4 queued on SMSC, 8 delivered to SMSC (here also: handed to the IP bearer), 16 non-delivered to SMSC.
 */

export const DlrType = { DELIVERED: 1, UNDELIVERED: 2, BUFFERED: 4, SMSC_ACK: 8, SMSC_NACK: 16 } as const;

/** What a dlr-url's escapes are filled from. */
export interface DlrValues {
  type: number;
  /** %A: the SMSC's answer (ACK/, NACK/reason, or the receipt text). */
  answer: string;
  /** Original message's receiver and sender (Kannel's DLR swaps them: %p is the receiver, %P the sender). */
  receiver: string;
  sender: string;
  /** ms since the epoch, when the report was made. */
  time: number;
  /** %I: the message id wapgate gave the accepted message. */
  id: string;
  /** %F: the SMSC's message id. */
  foreignId?: string;
  user: string;
  coding: number;
  dcs: number;
  udh?: Buffer;
  /** %i: 'smpp' or 'ip'. */
  smsc: string;
  /** %B: for an SMSC receipt its err component (as Kannel's SMPP DLRs); empty otherwise. */
  binfo?: string;
  account?: string;
  metaData?: string;
  dlrUrl: string;
  mask: number;
}

/** Kannel's octstr_url_encode: letters, digits and -_.~ kept, space as '+', every other octet %XX. */
export function urlEncode(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (b === 0x20) out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** "YYYY-MM-DD HH:MM:SS" in local time, as Kannel's %t (its space sent as '+', the colons as they are). */
function kannelTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}+${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
const plus00 = (n: string) => (n.startsWith('00') ? '+' + n.slice(2) : n);

/** Expands a dlr-url template; unknown escapes stay as they are (Kannel leaves %x). */
export function expandDlrUrl(template: string, v: DlrValues): string {
  return template.replace(/%(.)/gs, (all, c: string) => {
    switch (c) {
      case 'd': return String(v.type);
      case 'A': case 'a': case 'b': case 'k': return urlEncode(v.answer);
      case 'e': return Buffer.from(v.answer, 'utf8').toString('hex').toUpperCase();
      case 'p': return urlEncode(v.receiver);
      case 'P': return urlEncode(v.sender);
      case 'q': return urlEncode(plus00(v.receiver));
      case 'Q': return urlEncode(plus00(v.sender));
      case 't': return kannelTime(v.time);
      case 'T': return String(Math.floor(v.time / 1000));
      case 'I': return urlEncode(v.id);
      case 'F': return urlEncode(v.foreignId ?? '');
      case 'n': return urlEncode(v.user);
      case 'c': return String(v.coding);
      case 'm': case 'M': return '-1';
      case 'C': return v.coding === 1 ? 'binary' : v.coding === 2 ? 'UTF-16BE' : 'UTF-8';
      case 'O': return v.dcs.toString(16).toUpperCase().padStart(2, '0');
      case 'u': return v.udh ? v.udh.toString('hex').toUpperCase() : '';
      case 'i': return urlEncode(v.smsc);
      case 'B': return urlEncode(v.binfo ?? '');
      case 'o': return urlEncode(v.account ?? '');
      case 'D': return urlEncode(v.metaData ?? '');
      case 'R': return urlEncode(v.dlrUrl);
      case 's': case 'S': case 'r': return '';
      case '%': return '%';
      default: return all;
    }
  });
}

export interface DlrDispatcherOptions {
  timeout: number;
  concurrency: number;
  maxPending: number;
}

export interface DlrDispatcherDeps {
  /** GET url, resolves to the HTTP status; default fetch with an abort timeout. */
  get?: (url: string, timeoutMs: number) => Promise<number>;
  log?: { warn(obj: object, msg?: string): void };
  /** Counted per outcome: 'ok', 'refused' (non-2xx), 'failed' (network/timeout), 'dropped' (queue full). */
  count?: (outcome: 'ok' | 'refused' | 'failed' | 'dropped') => void;
}

/** Calls dlr-urls with at most `concurrency` in flight and `maxPending` waiting (the oldest waiting is dropped). */
export class DlrDispatcher {
  private readonly waiting: string[] = [];
  private running = 0;
  private closed = false;
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly o: DlrDispatcherOptions,
    private readonly deps: DlrDispatcherDeps = {},
  ) {}

  get pending(): number {
    return this.waiting.length;
  }

  get active(): number {
    return this.running;
  }

  /** Queues one call of url; never throws, never waits. */
  call(url: string): void {
    if (this.closed) return;
    if (!/^https?:\/\//i.test(url)) {
      this.deps.log?.warn({ url }, 'dlr-url is not an http(s) URL; not called');
      this.deps.count?.('failed');
      return;
    }
    if (this.waiting.length >= this.o.maxPending) {
      const dropped = this.waiting.shift();
      this.deps.log?.warn({ url: dropped }, 'dlr-url calls backed up; oldest dropped');
      this.deps.count?.('dropped');
    }
    this.waiting.push(url);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.o.concurrency && this.waiting.length) {
      const url = this.waiting.shift()!;
      this.running++;
      const p = this.one(url).finally(() => {
        this.running--;
        this.inflight.delete(p);
        this.pump();
      });
      this.inflight.add(p);
    }
  }

  private async one(url: string): Promise<void> {
    try {
      const status = await (this.deps.get ?? defaultGet)(url, this.o.timeout);
      if (status >= 200 && status < 300) this.deps.count?.('ok');
      else {
        this.deps.count?.('refused');
        this.deps.log?.warn({ url, status }, 'dlr-url answered with an error');
      }
    } catch (e) {
      this.deps.count?.('failed');
      this.deps.log?.warn({ url, err: String((e as Error)?.message ?? e) }, 'dlr-url call failed');
    }
  }

  /** Stops taking calls; waits (bounded by the timeout) for those in flight; drops the waiting ones. */
  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    await Promise.allSettled([...this.inflight]);
  }
}

async function defaultGet(url: string, timeoutMs: number): Promise<number> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  // The body is not needed; reading it is bounded by the same timeout.
  await res.body?.cancel().catch(() => undefined);
  return res.status;
}
