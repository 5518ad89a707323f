/**
 * PAP cancel and status query wherever the push is held (issue 20): by this node's engine, or — when the queue is
 * shared by several nodes (src/state/push-queue-redis.ts) — by another node, answered from the shared queue so a
 * PI may send them to any node.
 */
import type { PpgEngine } from './engine.ts';
import { PapCode } from './pap-codes.ts';
import type { CancelMessage, StatusQueryMessage } from './pap-parse.ts';
import type { CancelResult, StatusResult } from './pap-xml.ts';
import { selectTargets, statusOf } from './select.ts';

/** WAP-247 §9.4 cancel. */
export async function cancelAnywhere(engine: PpgEngine, msg: CancelMessage): Promise<CancelResult[]> {
  const shared = engine.queue.shared;
  if (!shared || engine.holds(msg.pushId)) return engine.cancel(msg);
  const rec = await shared.find(msg.pushId);
  if (!rec) return engine.cancel(msg);
  const targets = selectTargets(rec.targets, msg.addresses);
  if (!targets) return [{ code: PapCode.ADDRESS_NOT_FOUND, desc: 'address not part of this push', addresses: msg.addresses!.map((a) => a.raw) }];
  // WAP-249 §5.4: only what was not handed to a bearer can be cancelled — checked in the shared queue, atomically.
  const r = await shared.cancel(msg.pushId, targets.map(({ i }) => i));
  if (!r) return engine.cancel(msg);
  const raw = (i: number) => rec.targets[i]!.address.raw;
  const out: CancelResult[] = [];
  if (r.cancelled.length) out.push({ code: PapCode.OK, desc: 'Cancelled', addresses: r.cancelled.map(raw) });
  if (r.refused.length) out.push({ code: PapCode.CANCELLATION_NOT_POSSIBLE, addresses: r.refused.map(raw) });
  return out;
}

/** WAP-247 §9.5 status query. */
export async function statusAnywhere(engine: PpgEngine, msg: StatusQueryMessage): Promise<StatusResult[]> {
  const shared = engine.queue.shared;
  if (!shared || engine.holds(msg.pushId)) return engine.status(msg);
  const rec = await shared.find(msg.pushId);
  if (!rec) return engine.status(msg);
  const targets = selectTargets(rec.targets, msg.addresses);
  if (!targets) return [{ state: 'unknown', code: PapCode.ADDRESS_NOT_FOUND, addresses: msg.addresses!.map((a) => a.raw) }];
  return targets.map(({ t }) => statusOf(t, rec.qos));
}
