/**
 * Delivery receipts shared by several nodes (issue 20). Each node holds its own SMPP binds; an SMSC hands a
 * receipt to whichever receiver bind of the account it picks, so the receipt for a message node A submitted may
 * reach node B. Kannel solves it with a shared dlr-storage (dlr-storage = redis|mysql, looked up by SMSC id);
 * here the correlation stays with the node that owns it (sms-queue-redis.ts) and every receipt a node's SMSC
 * link receives is also published to the other nodes: the owner's smsbox finds it in its correlations, the others
 * do not know the id and drop it (as they drop a receipt of the PPG's). One small message per receipt.
 *
 * Only the smsbox sees the wrapped sender; the PPG keeps its own receipts (its pushes are adopted, not shared
 * per receipt).
 */
import type { SmsPushSender, SmsReceipt } from '../bearer/sms/sender.ts';
import type { RedisLink } from './redis-link.ts';

const STATES = new Set<SmsReceipt['state']>(['delivered', 'expired', 'undeliverable', 'rejected', 'deleted', 'unknown', 'accepted', 'enroute']);
const MAX_MESSAGE = 1024;

export interface SharedReceipts extends SmsPushSender {
  /** Receipts received from other nodes, and published to them. */
  readonly counts: { in: number; out: number };
  stop(): Promise<void>;
}

export function shareReceipts(link: RedisLink, sender: SmsPushSender, onError: (err: Error) => void): SharedReceipts {
  const channel = link.key('sms', 'receipts');
  const fns: ((r: SmsReceipt) => void)[] = [];
  const counts = { in: 0, out: 0 };
  const deliver = (r: SmsReceipt) => {
    for (const f of fns) f(r);
  };
  sender.onReceipt((r) => {
    deliver(r);
    const msg = JSON.stringify({ from: link.nodeId, messageId: r.messageId, state: r.state, ...(r.error !== undefined ? { error: r.error } : {}) });
    counts.out++;
    link.cmd.publish(channel, msg).catch((err: Error) => onError(err));
  });
  const onMessage = (ch: string, raw: string) => {
    if (ch !== channel || raw.length > MAX_MESSAGE) return;
    let m: { from?: unknown; messageId?: unknown; state?: unknown; error?: unknown };
    try {
      m = JSON.parse(raw) as typeof m;
    } catch {
      return;
    }
    if (m.from === link.nodeId || typeof m.messageId !== 'string' || !STATES.has(m.state as SmsReceipt['state'])) return;
    counts.in++;
    deliver({ messageId: m.messageId, state: m.state as SmsReceipt['state'], ...(typeof m.error === 'number' ? { error: m.error } : {}) });
  };
  link.sub.on('message', onMessage);
  const subscribe = () => void link.sub.subscribe(channel).catch((err: Error) => onError(err));
  // ioredis resubscribes after a reconnect by itself; the first subscribe waits for the link if it is down.
  if (link.up) subscribe();
  else link.once('up', subscribe);
  return {
    counts,
    submitUserData: (msisdn, blocks, opts) => sender.submitUserData(msisdn, blocks, opts),
    onReceipt: (fn) => void fns.push(fn),
    async stop() {
      link.sub.off('message', onMessage);
      link.off('up', subscribe);
      await link.sub.unsubscribe(channel).catch(() => undefined);
    },
  };
}
