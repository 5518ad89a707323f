/**
 * PAP cancel and status query wherever the push is held (issue 20): by this node's engine, or — when the queue is
 * shared by several nodes (src/state/push-queue-redis.ts) — by another node, answered from the shared queue so a
 * PI may send them to any node.
 */
import type { PpgEngine } from './engine.ts';
import type { PushAddress } from './address.ts';
import { PapCode } from './pap-codes.ts';
import type { CancelMessage, StatusQueryMessage } from './pap-parse.ts';
import type { CancelResult, StatusResult } from './pap-xml.ts';

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
  return targets.map(({ t }) => ({
    state: t.state,
    code: t.code,
    ...(t.desc ? { desc: t.desc } : {}),
    eventTime: new Date(t.eventTime),
    addresses: [t.address.raw],
    qos: rec.qos,
  }));
}

/** The targets a cancel or status query names (all when it names none), with their indexes; undefined if none match. */
function selectTargets<T extends { address: PushAddress }>(targets: readonly T[], addresses: readonly PushAddress[] | undefined): { t: T; i: number }[] | undefined {
  const all = targets.map((t, i) => ({ t, i }));
  if (!addresses) return all;
  const want = new Set(addresses.map((a) => `${a.type}:${a.value}`));
  const found = all.filter(({ t }) => want.has(`${t.address.type}:${t.address.value}`));
  return found.length ? found : undefined;
}
