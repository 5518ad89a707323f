/**
 * What a PAP cancel or status query names, and how a target's state is reported (WAP-247 §9.4, §9.5) — one place
 * for the engine (pushes this node holds) and src/push/anywhere.ts (pushes another node holds).
 */
import type { PushAddress } from './address.ts';
import type { QualityOfService } from './pap-parse.ts';
import type { MessageState, StatusResult } from './pap-xml.ts';

interface Reported {
  address: PushAddress;
  state: MessageState;
  code: number;
  desc?: string;
  eventTime: number;
}

/** The targets a cancel or status query names (all when it names none), with their indexes; undefined if none match. */
export function selectTargets<T extends { address: PushAddress }>(targets: readonly T[], addresses: readonly PushAddress[] | undefined): { t: T; i: number }[] | undefined {
  const all = targets.map((t, i) => ({ t, i }));
  if (!addresses) return all;
  const want = new Set(addresses.map((a) => `${a.type}:${a.value}`));
  const found = all.filter(({ t }) => want.has(`${t.address.type}:${t.address.value}`));
  return found.length ? found : undefined;
}

/** WAP-247 §9.5: one target's state in a statusquery-response. */
export function statusOf(t: Reported, qos: QualityOfService): StatusResult {
  return {
    state: t.state,
    code: t.code,
    ...(t.desc ? { desc: t.desc } : {}),
    eventTime: new Date(t.eventTime),
    addresses: [t.address.raw],
    qos,
  };
}
