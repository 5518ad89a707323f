/**
 * The subscriber map shared by every node (issue 20): RADIUS accounting received by any node is visible to all
 * within a pub/sub round trip, while every lookup on the per-packet path stays a local map read.
 *
 * Seam: `createReplicatedSubscriberMap(local, link)` is a SubscriberMap itself. The RADIUS server (and the admin
 * listener) are given it; writes go to the local map first (the node that heard the accounting answers from
 * memory at once), then to Redis: one key per binding, with the local map's TTL, and a message on one channel.
 * Other nodes apply those messages to their own local map directly (never through the replica, so nothing
 * echoes). After every (re)connect a node resynchronises: it re-asserts the bindings it learned itself (a Redis
 * that lost its data gets them back), adopts every binding it lacks, and drops remote bindings Redis no longer has
 * once their owners had a grace period to re-assert them (reassertGraceMs).
 *
 * Redis layout (prefix P): `P:sub:<address>` → JSON {rec, node, at}, PX = TTL; channel `P:subs` carries
 * {op: 'bind'|'unbind'|'unbindNas', node, address?, rec?, match?, nas?}.
 * Consistency: last writer wins per address (what RADIUS itself gives: the newest Start/Interim is the truth);
 * an unbind names the session it ends, checked atomically in Redis, so a late Stop never removes a new holder.
 */
import type { Subscriber } from '../gateway/hooks.ts';
import type { BindResult, SubscriberMap, SubscriberRecord, UnbindResult } from '../identity/subscriber-map.ts';
import type { RedisLink } from './redis-link.ts';

type BindRecord = Omit<SubscriberRecord, 'source' | 'since' | 'updated'>;

interface Message {
  op: 'bind' | 'unbind' | 'unbindNas';
  node: string;
  address?: string;
  rec?: BindRecord;
  match?: { sessionId?: string; msisdn?: string };
  nas?: string;
}

export interface ReplicaOptions {
  /** The local map's TTL (ms): a binding's key in Redis expires with it; 0 = no expiry. */
  ttlMs: number;
  /** Failures of Redis writes (logged by the caller; the local map is already updated). */
  onError?: (err: Error, what: string) => void;
  /** Counts what crossed the link (metrics). */
  onApplied?: (op: Message['op'], direction: 'out' | 'in') => void;
  /**
   * How long a remote binding Redis no longer has is kept after a resync before it is dropped (ms, default
   * 3000): a Redis that lost its data gets each binding back when its owner resyncs, and meanwhile this node
   * keeps answering from its copy instead of forgetting the subscriber for a round trip.
   */
  reassertGraceMs?: number;
}

// Deletes a binding only if it still belongs to the named session (WAP identity: a late Stop must not remove the
// next holder), then tells the other nodes. KEYS[1] the binding, KEYS[2] the channel; ARGV[1] the message JSON,
// ARGV[2] sessionId, ARGV[3] msisdn.
const UNBIND_LUA = `
local v = redis.call('GET', KEYS[1])
if v then
  local ok, e = pcall(cjson.decode, v)
  if ok and type(e) == 'table' and type(e.rec) == 'table' then
    local r = e.rec
    local mismatch = false
    if ARGV[2] ~= '' and r.sessionId ~= nil then mismatch = (r.sessionId ~= ARGV[2])
    elseif ARGV[3] ~= '' then mismatch = (r.msisdn ~= ARGV[3]) end
    if mismatch then return 0 end
  end
  redis.call('DEL', KEYS[1])
end
redis.call('PUBLISH', KEYS[2], ARGV[1])
return 1
`;

export interface ReplicatedSubscriberMap extends SubscriberMap {
  /** Resolves once the first resynchronisation after connecting is done (tests, readiness). */
  readonly synced: Promise<void>;
  /** Stops listening (the link itself is closed by its owner). */
  stop(): Promise<void>;
}

export function createReplicatedSubscriberMap(
  local: SubscriberMap,
  link: RedisLink,
  o: ReplicaOptions,
): ReplicatedSubscriberMap {
  const channel = link.key('subs');
  const keyOf = (address: string) => link.key('sub', address);
  const fail = (what: string) => (err: Error) => o.onError?.(err, what);
  /** Dynamic bindings this node knows of, by who learned them: this node re-asserts its own after a resync. */
  const origin = new Map<string, string>();
  let resyncing: Promise<void> | undefined;
  /** Grace timers of remote bindings a resync did not find in Redis (dropIfStillMissing). */
  const pending = new Set<NodeJS.Timeout>();
  let stopped = false;

  const publishBind = (address: string, rec: BindRecord): void => {
    const msg: Message = { op: 'bind', node: link.nodeId, address, rec };
    const value = JSON.stringify({ rec, node: link.nodeId, at: Date.now() });
    const m = link.cmd.multi();
    if (o.ttlMs > 0) m.set(keyOf(address), value, 'PX', o.ttlMs);
    else m.set(keyOf(address), value);
    m.publish(channel, JSON.stringify(msg));
    m.exec().then(() => o.onApplied?.('bind', 'out'), fail('bind'));
  };

  const apply = (raw: string): void => {
    let msg: Message;
    try {
      msg = JSON.parse(raw) as Message;
    } catch {
      return o.onError?.(new Error('a subscriber message that is not JSON'), 'message');
    }
    if (msg.node === link.nodeId) return;
    try {
      if (msg.op === 'bind' && typeof msg.address === 'string' && msg.rec && typeof msg.rec.msisdn === 'string') {
        local.bind(msg.address, msg.rec);
        origin.set(msg.address, msg.node);
      } else if (msg.op === 'unbind' && typeof msg.address === 'string') {
        if (local.unbind(msg.address, msg.match) === 'removed') origin.delete(msg.address);
      } else if (msg.op === 'unbindNas' && typeof msg.nas === 'string') {
        local.unbindNas(msg.nas);
      } else return;
      o.onApplied?.(msg.op, 'in');
    } catch (err) {
      o.onError?.(err as Error, `apply ${msg.op}`);
    }
  };

  /** After a (re)connect: push what this node learned, adopt what it lacks, drop what Redis no longer has. */
  const resync = async (): Promise<void> => {
    const seen = new Set<string>();
    const missing: [string, string][] = [];
    const prefix = keyOf('');
    let cursor = '0';
    do {
      const [next, keys] = await link.cmd.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (!keys.length) continue;
      const values = await link.cmd.mget(...keys);
      keys.forEach((k, i) => {
        const v = values[i];
        if (v == null) return;
        try {
          const e = JSON.parse(v) as { rec: BindRecord; node: string };
          const address = k.slice(prefix.length);
          seen.add(address);
          if (e.node === link.nodeId) return;
          const cur = local.record(address.split('/')[0]!);
          if (!cur || cur.msisdn !== e.rec.msisdn || cur.sessionId !== e.rec.sessionId) local.bind(address, e.rec);
          origin.set(address, e.node);
        } catch {
          o.onError?.(new Error(`unreadable binding at ${k}`), 'resync');
        }
      });
    } while (cursor !== '0');
    for (const [address, node] of origin) {
      const rec = local.record(address.split('/')[0]!);
      if (!rec || rec.source !== 'radius') {
        origin.delete(address);
        continue;
      }
      if (node === link.nodeId) {
        if (!seen.has(address)) publishBind(address, stripRecord(rec));
      } else if (!seen.has(address)) {
        missing.push([address, node]);
      }
    }
    if (missing.length) {
      const t = setTimeout(() => {
        pending.delete(t);
        void dropIfStillMissing(missing).catch(fail('resync'));
      }, o.reassertGraceMs ?? 3000);
      t.unref();
      pending.add(t);
    }
  };

  /** After the grace: a remote binding its owner did not re-assert (still no key in Redis) is dropped. */
  const dropIfStillMissing = async (missing: [string, string][]): Promise<void> => {
    for (const [address, node] of missing) {
      if (stopped || origin.get(address) !== node) continue;
      if ((await link.cmd.get(keyOf(address))) != null) continue;
      local.unbind(address);
      origin.delete(address);
    }
  };

  const startResync = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    resyncing = resync().catch((err: Error) => o.onError?.(err, 'resync'));
    return resyncing;
  };

  link.sub.on('message', (ch: string, raw: string) => {
    if (ch === channel && !stopped) apply(raw);
  });
  // Subscribe first, then read: a change published in between is applied twice at worst (idempotent), never lost.
  let firstSync!: () => void;
  const synced = new Promise<void>((resolve) => (firstSync = resolve));
  const onUp = () => {
    link.sub
      .subscribe(channel)
      .then(startResync)
      .then(() => firstSync(), fail('subscribe'));
  };
  link.on('up', onUp);
  if (link.up) onUp();

  return {
    synced,
    bind(address, rec): BindResult {
      const r = local.bind(address, rec);
      origin.set(address, link.nodeId);
      if (r !== 'refreshed' || o.ttlMs > 0) publishBind(address, rec);
      return r;
    },
    unbind(address, match): UnbindResult {
      const r = local.unbind(address, match);
      if (r === 'mismatch') return r;
      origin.delete(address);
      const msg: Message = { op: 'unbind', node: link.nodeId, address, ...(match ? { match } : {}) };
      link.cmd
        .eval(UNBIND_LUA, 2, keyOf(address), channel, JSON.stringify(msg), match?.sessionId ?? '', match?.msisdn ?? '')
        .then(() => o.onApplied?.('unbind', 'out'), fail('unbind'));
      return r;
    },
    unbindNas(nas): number {
      const n = local.unbindNas(nas);
      // The other nodes drop that NAS's bindings from their copies; each binding's key expires or is re-read.
      const msg: Message = { op: 'unbindNas', node: link.nodeId, nas };
      link.cmd.publish(channel, JSON.stringify(msg)).then(() => o.onApplied?.('unbindNas', 'out'), fail('unbindNas'));
      void dropNasKeys(link, keyOf(''), nas).catch(fail('unbindNas'));
      return n;
    },
    // Changes of the local copy (its own and the ones applied from other nodes) reach its listeners (workers).
    onChange: (listener) => local.onChange(listener),
    lookup: (ip): Subscriber | undefined => local.lookup(ip),
    record: (ip) => local.record(ip),
    ipForMsisdn: (msisdn) => local.ipForMsisdn(msisdn),
    setStatic: (entries, file) => local.setStatic(entries, file),
    reloadStatic: () => local.reloadStatic(),
    get size() {
      return local.size;
    },
    get staticSize() {
      return local.staticSize;
    },
    get counters() {
      return local.counters;
    },
    clear: () => local.clear(),
    async stop() {
      stopped = true;
      for (const t of pending) clearTimeout(t);
      pending.clear();
      link.off('up', onUp);
      await resyncing;
      await link.sub.unsubscribe(channel).catch(() => undefined);
    },
  };
}

/** What a SubscriberRecord carries that bind() takes (the map adds source/since/updated itself). */
function stripRecord(r: SubscriberRecord): BindRecord {
  const { source: _s, since: _a, updated: _u, ...rest } = r as SubscriberRecord & { key?: string };
  delete (rest as { key?: string }).key;
  return rest;
}

/** Deletes the bindings a NAS reported (Accounting-On/Off: the NAS restarted and its sessions are gone). */
async function dropNasKeys(link: RedisLink, prefix: string, nas: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await link.cmd.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (!keys.length) continue;
    const values = await link.cmd.mget(...keys);
    const gone = keys.filter((_k, i) => {
      try {
        return (JSON.parse(values[i] ?? 'null') as { rec?: BindRecord } | null)?.rec?.nas === nas;
      } catch {
        return false;
      }
    });
    if (gone.length) await link.cmd.del(...gone);
  } while (cursor !== '0');
}
